# The README shows examples/readme_example.c between ```c fences; they must
# not drift apart (the example itself is compiled by examples/CMakeLists.txt).
file(READ "${README}" readme)
file(READ "${EXAMPLE}" example)
string(FIND "${readme}" "${example}" pos)
if(pos EQUAL -1)
  message(FATAL_ERROR
    "README.md does not contain examples/readme_example.c verbatim")
endif()
