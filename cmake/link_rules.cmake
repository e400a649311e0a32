# The client library's dependency rule: a program that embeds ringkv_client carries client code
# only. Checked twice:
#  - at configure time, the link closure of the client library (every library it links,
#    transitively) may hold only the libraries listed as ALLOWED: no ringkv_core, storage, api,
#    runtime or simulator;
#  - at build time, before the client compiles, tools/check_client_closure.sh follows every
#    #include "..." from the closure's sources and fails on a project header that does not belong
#    to a library of the closure (so no server header sneaks in through an inline function or a
#    type, which the linker would not notice).
# The example program (examples/client), linked against ringkv_client alone, shows the closure
# is also sufficient.

# Sets OUT to every library TARGET links, transitively, dependents before their dependencies
# (TARGET itself first). The walk does not enter imported targets (other projects' libraries).
function(ringkv_link_closure target out)
  set_property(GLOBAL PROPERTY _ringkv_closure_order "")
  set_property(GLOBAL PROPERTY _ringkv_closure_visiting "")
  _ringkv_closure_visit(${target})
  get_property(order GLOBAL PROPERTY _ringkv_closure_order)
  list(REVERSE order)
  set(${out} ${order} PARENT_SCOPE)
endfunction()

function(_ringkv_closure_visit item)
  get_property(order GLOBAL PROPERTY _ringkv_closure_order)
  get_property(visiting GLOBAL PROPERTY _ringkv_closure_visiting)
  if(item IN_LIST order OR item IN_LIST visiting)
    return()
  endif()
  set_property(GLOBAL APPEND PROPERTY _ringkv_closure_visiting ${item})
  if(TARGET ${item})
    get_target_property(imported ${item} IMPORTED)
    if(NOT imported)
      get_target_property(deps ${item} LINK_LIBRARIES)
      get_target_property(interface_deps ${item} INTERFACE_LINK_LIBRARIES)
      foreach(dep IN LISTS deps interface_deps)
        if(dep MATCHES "-NOTFOUND$")
          continue()
        endif()
        string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" dep "${dep}")
        _ringkv_closure_visit(${dep})
      endforeach()
    endif()
  endif()
  # Post-order: an item is recorded after everything it links.
  set_property(GLOBAL APPEND PROPERTY _ringkv_closure_order ${item})
endfunction()

# ringkv_check_client_closure(TARGET ALLOWED libraries...): fails the configuration when TARGET's
# link closure holds anything not ALLOWED, and declares the build-time include check. Sets
# RINGKV_CLIENT_CLOSURE (the project's libraries in the closure, TARGET first) for installing.
function(ringkv_check_client_closure target)
  cmake_parse_arguments(ARG "" "" "ALLOWED" ${ARGN})
  ringkv_link_closure(${target} closure)
  set(project_targets "")
  set(offending "")
  foreach(item IN LISTS closure)
    if(NOT item STREQUAL target AND NOT item IN_LIST ARG_ALLOWED)
      list(APPEND offending ${item})
    endif()
    if(TARGET ${item})
      get_target_property(imported ${item} IMPORTED)
      if(NOT imported)
        list(APPEND project_targets ${item})
      endif()
    endif()
  endforeach()
  if(offending)
    string(REPLACE ";" " " closure_text "${closure}")
    string(REPLACE ";" ", " offending_text "${offending}")
    message(FATAL_ERROR "${target} links ${offending_text}, which a client program may not carry "
      "(its link closure: ${closure_text}). The client library links only the code it shares "
      "with the server (ringkv_wire and below); see docs/ARCHITECTURE.md.")
  endif()
  set(RINGKV_CLIENT_CLOSURE ${project_targets} PARENT_SCOPE)

  # What the include check may reach: the closure's sources in the source tree, the headers beside
  # them, each library's declared header-only files, and its public headers (*/include/ringkv).
  set(lines "")
  foreach(item IN LISTS project_targets)
    get_target_property(sources ${item} SOURCES)
    get_target_property(source_dir ${item} SOURCE_DIR)
    foreach(source IN LISTS sources)
      cmake_path(ABSOLUTE_PATH source BASE_DIRECTORY ${source_dir} NORMALIZE)
      list(APPEND lines "source ${source}")
    endforeach()
    get_target_property(headers ${item} RINGKV_HEADERS)
    foreach(header IN LISTS headers)
      if(NOT header MATCHES "-NOTFOUND$")
        list(APPEND lines "header ${PROJECT_SOURCE_DIR}/src/${header}")
      endif()
    endforeach()
    if(EXISTS ${source_dir}/include/ringkv)
      list(APPEND lines "public ${source_dir}/include")
    endif()
  endforeach()
  list(JOIN lines "\n" text)
  file(WRITE ${CMAKE_BINARY_DIR}/client_closure.txt "${text}\n")
  add_custom_target(check_client_closure ALL
    COMMAND ${PROJECT_SOURCE_DIR}/tools/check_client_closure.sh ${PROJECT_SOURCE_DIR}/src
            ${CMAKE_BINARY_DIR}/src ${CMAKE_BINARY_DIR}/client_closure.txt
    COMMENT "Checking that the client library includes only client code"
    VERBATIM)
  add_dependencies(${target} check_client_closure)
endfunction()
