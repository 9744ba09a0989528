# Writes OUT, a C++ source defining client_page_html() with the text of IN
# (harness/commands/client_page.html), so the page ships inside the wsprobe binary.
file(READ "${IN}" text)
string(FIND "${text}" ")wsprobe_page\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} contains the raw string's delimiter )wsprobe_page\"")
endif()
file(WRITE "${OUT}.tmp" "// Generated from ${IN} by harness/commands/client_page.cmake; do not edit.\n#include \"commands/client_page.hpp\"\n\nnamespace wsprobe::harness {\n\nstd::string_view client_page_html() {\n  static constexpr std::string_view page = R\"wsprobe_page(${text})wsprobe_page\";\n  return page;\n}\n\n}  // namespace wsprobe::harness\n")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUT}.tmp" "${OUT}")
