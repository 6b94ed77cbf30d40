// skiff: the user's command line for images and containers (cli/ does the work).
#include <iostream>

#include "skiff/cli/app.h"

int main(int argc, char** argv) {
  try {
    return skiff::cli::run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "Error: " << e.what() << "\n";
    return skiff::cli::kErrorExitCode;
  }
}
