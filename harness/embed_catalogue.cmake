# Writes OUT, a C++ source holding every conformance/cases/*.json as a string, so the binary runs
# the catalogue standalone.
file(GLOB files "${DIR}/*.json")
list(FILTER files EXCLUDE REGEX "\\.schema\\.json$")  # the JSON Schema describes the cases
list(SORT files)
set(body "")
foreach(f IN LISTS files)
  get_filename_component(name "${f}" NAME)
  file(READ "${f}" text)
  string(APPEND body "    {\"${name}\", R\"wsprobe_case(${text})wsprobe_case\"},\n")
endforeach()
file(WRITE "${OUT}.tmp" "// Generated from conformance/cases by harness/embed_catalogue.cmake; do not edit.\n#include \"engine/embedded_catalogue.hpp\"\n\nnamespace wsprobe::harness {\n\nconst std::vector<std::pair<std::string_view, std::string_view>>& embedded_catalogue() {\n  static const std::vector<std::pair<std::string_view, std::string_view>> files = {\n${body}  };\n  return files;\n}\n\n}  // namespace wsprobe::harness\n")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUT}.tmp" "${OUT}")
