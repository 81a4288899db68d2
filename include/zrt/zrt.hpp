// zrt: the umbrella header.
#pragma once

#include "zrt/async.hpp"
#include "zrt/buffer.hpp"
#include "zrt/element.hpp"
#include "zrt/environment.hpp"
#include "zrt/error.hpp"
#include "zrt/io_binding.hpp"
#include "zrt/lane.hpp"
#include "zrt/memory.hpp"
#include "zrt/prepared.hpp"
#include "zrt/run_options.hpp"
#include "zrt/runtime.hpp"
#include "zrt/session.hpp"
#include "zrt/session_options.hpp"
#include "zrt/shape.hpp"
#include "zrt/shape_buckets.hpp"
#include "zrt/value.hpp"
