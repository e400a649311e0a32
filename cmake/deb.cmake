# The Debian package of the server: `cpack --config BUILD/CPackConfig.cmake -G DEB` in a release
# build (docs/OPERATIONS.md, "The Debian package"). It holds
#   /usr/bin/ringkv                     the binary (component "server", stripped)
#   /etc/ringkv/ringkv.toml             the settings, a conffile (cmake/deb/make_config.sh)
#   /lib/systemd/system/ringkv.service  the unit (cmake/deb/ringkv.service)
# and the maintainer scripts of cmake/deb (the ringkv user, /var/lib/ringkv, purge). The client
# library (component "client") is not in it. Its dependencies are the shared libraries the binary
# links, as dpkg-shlibdeps finds them (dpkg-dev); the version is the project's.

# The packaged settings file, generated from the binary's own settings table.
set(deb_config ${CMAKE_BINARY_DIR}/package/deb/ringkv.toml)
add_custom_command(OUTPUT ${deb_config}
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/deb/make_config.sh $<TARGET_FILE:ringkv> ${deb_config}
  DEPENDS ringkv ${CMAKE_CURRENT_LIST_DIR}/deb/make_config.sh
  COMMENT "Writing the packaged ringkv.toml"
  VERBATIM)
add_custom_target(ringkv_deb_files ALL DEPENDS ${deb_config})

# Absolute destinations, in a component `cmake --install` leaves out unless it is named, so
# installing the client or the binary into a prefix never writes to /etc or /lib.
install(FILES ${deb_config} DESTINATION /etc/ringkv COMPONENT deb_system EXCLUDE_FROM_ALL)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/deb/ringkv.service DESTINATION /lib/systemd/system
  COMPONENT deb_system EXCLUDE_FROM_ALL)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ringkv)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "ringkv maintainers <ringkv@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Dynamo-style distributed key-value store")
set(CPACK_PACKAGE_DESCRIPTION
  "ringkv keeps keys on a ring of partitions replicated N times, tracks versions with dotted\n\
version vectors, and speaks its own protocol and the Redis protocol. This package holds the\n\
ringkv binary (server and command line), a systemd unit and its default settings.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
# One package from the two components, named ringkv_VERSION-RELEASE_ARCH.deb.
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL server deb_system)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION database)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${CMAKE_CURRENT_LIST_DIR}/deb/conffiles ${CMAKE_CURRENT_LIST_DIR}/deb/postinst
  ${CMAKE_CURRENT_LIST_DIR}/deb/prerm ${CMAKE_CURRENT_LIST_DIR}/deb/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
