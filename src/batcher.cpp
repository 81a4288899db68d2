#include "zrt/batcher.hpp"
