# Installing the client library: `cmake --install BUILD [--prefix DIR] [--component client]`.
#   include/ringkv/{client,status}.h        the public headers (nothing else is installed)
#   lib/libringkv_*.a                        the client library and the libraries it links
#   lib/cmake/ringkv/ringkvConfig.cmake      find_package(ringkv CONFIG) -> ringkv::client
#   lib/pkgconfig/ringkv.pc                  pkg-config --cflags --libs ringkv
#   bin/ringkv                               the server and CLI (component "server")
# The Debian package (cmake/deb.cmake) adds the component "deb_system" (/etc/ringkv and the systemd
# unit), which a plain `cmake --install` leaves out.
# The libraries are RINGKV_CLIENT_CLOSURE (cmake/link_rules.cmake): ringkv_client and what it
# links, so the package carries exactly what a client program needs.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(client_public_headers "")
foreach(library IN LISTS RINGKV_CLIENT_CLOSURE)
  # ringkv::client is the one target users name; the others come along as its dependencies.
  string(REGEX REPLACE "^ringkv_" "" export_name ${library})
  set_target_properties(${library} PROPERTIES EXPORT_NAME ${export_name})
  get_target_property(source_dir ${library} SOURCE_DIR)
  if(EXISTS ${source_dir}/include/ringkv)
    file(GLOB headers CONFIGURE_DEPENDS ${source_dir}/include/ringkv/*.h)
    list(APPEND client_public_headers ${headers})
    target_include_directories(${library}
      INTERFACE $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  endif()
endforeach()
# The public headers need C++17 (std::variant, std::string_view); ringkv itself builds as C++20.
target_compile_features(ringkv_client INTERFACE cxx_std_17)
# A sanitized build's archives call the sanitizer runtimes: programs linking them need it too.
set(client_extra_link_flags "")
if(RINGKV_SANITIZE)
  set(client_extra_link_flags -fsanitize=address,undefined)
  target_link_options(ringkv_client INTERFACE $<INSTALL_INTERFACE:${client_extra_link_flags}>)
endif()

install(TARGETS ${RINGKV_CLIENT_CLOSURE} EXPORT ringkvTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT client)
install(FILES ${client_public_headers} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/ringkv
  COMPONENT client)
set(cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/ringkv)
install(EXPORT ringkvTargets NAMESPACE ringkv:: DESTINATION ${cmake_dir} COMPONENT client)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/ringkvConfig.cmake.in
  ${CMAKE_BINARY_DIR}/package/ringkvConfig.cmake INSTALL_DESTINATION ${cmake_dir})
# 0.x: a minor version may change the API.
write_basic_package_version_file(${CMAKE_BINARY_DIR}/package/ringkvConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/package/ringkvConfig.cmake
              ${CMAKE_BINARY_DIR}/package/ringkvConfigVersion.cmake
  DESTINATION ${cmake_dir} COMPONENT client)

# ringkv.pc: static archives, so Libs lists every one (dependents first) and Requires names the
# pkg-config modules of the system libraries they call. The prefix is found from the file's own
# place, so `cmake --install --prefix DIR` anywhere yields a working file.
set(pc_libs "")
foreach(library IN LISTS RINGKV_CLIENT_CLOSURE)
  string(APPEND pc_libs " -l${library}")
endforeach()
set(pc_extra_link_flags "")
foreach(flag IN LISTS client_extra_link_flags)
  string(APPEND pc_extra_link_flags " ${flag}")
endforeach()
string(REGEX REPLACE "[^/]+" ".." pc_to_prefix "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
configure_file(${CMAKE_CURRENT_LIST_DIR}/ringkv.pc.in ${CMAKE_BINARY_DIR}/package/ringkv.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/package/ringkv.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT client)

install(TARGETS ringkv RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT server)
