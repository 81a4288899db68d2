// Streaming a recurrent model through a lane with state carry: each step's new state
// (Y_h) becomes the next step's input state (H) with no copy, the way a voice-activity
// or wake-word detector runs once per audio frame. Usage: streaming_state [model.onnx]
// (default gru.onnx: one GRU step of examples/models, input X float[1,1,4] and state
// H float[1,1,8], output Y_h; CMakeLists.txt copies it next to the program).
#include <zrt/zrt.hpp>

#include <cmath>
#include <cstdio>
#include <exception>

int main(int argc, char** argv) try {
  const char* path = argc > 1 ? argv[1] : "gru.onnx";
  const zrt::Session session(path, zrt::SessionOptions{}.intra_op_threads(1));
  zrt::Lane lane(session, zrt::LaneOptions{}.carry("Y_h", "H"));  // state: output Y_h -> input H

  std::span<float> frame = lane.input<float>("X");  // fetched once, stable for the lane's life
  lane.audit();                                     // ORT reads exactly the memory we write
  for (int step = 0; step < 8; ++step) {
    for (std::size_t i = 0; i < frame.size(); ++i)
      frame[i] = std::sin(0.3f * static_cast<float>(step * 4 + static_cast<int>(i)));
    lane.run();  // one ORT call: no allocation, no copy; the state moves by swapping bindings
    const std::span<const float> state = lane.state<float>(0);
    std::printf("step %d: state[0..3] = %+.5f %+.5f %+.5f %+.5f\n", step, static_cast<double>(state[0]),
                static_cast<double>(state[1]), static_cast<double>(state[2]), static_cast<double>(state[3]));
  }
  lane.reset_state();  // a new stream starts from zeros
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "streaming_state: %s\n", e.what());
  return 1;
}
