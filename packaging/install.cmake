# Where `make install` and the .deb put holdgate (Debian's layout, as sshd's package does):
#   /usr/sbin/holdgate, /etc/holdgate/holdgate.yaml (a conffile), /lib/systemd/system/holdgate.service,
#   holdgate(8) and holdgate.yaml(5), bash completion; the maintainer scripts add the holdgate
#   user and /var/lib/holdgate. `cpack -G DEB` in the build directory (or `make package`) builds
#   the .deb from what is already built: it installs into a staging tree, it does not recompile.
set(packaging_dir ${PROJECT_SOURCE_DIR}/packaging)

install(TARGETS holdgate RUNTIME DESTINATION sbin)
install(FILES ${packaging_dir}/holdgate.yaml DESTINATION /etc/holdgate
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(FILES ${packaging_dir}/holdgate.service DESTINATION /lib/systemd/system)
install(FILES ${packaging_dir}/bash-completion/holdgate
        DESTINATION share/bash-completion/completions)

# Debian ships man pages gzipped (policy 12.1); -n keeps the archive byte-for-byte reproducible.
set(man_pages holdgate.8 holdgate.yaml.5)
set(man_archives)
foreach(page ${man_pages})
  set(archive ${PROJECT_BINARY_DIR}/man/${page}.gz)
  add_custom_command(OUTPUT ${archive}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
    COMMAND gzip -9n -c ${packaging_dir}/man/${page} > ${archive}
    DEPENDS ${packaging_dir}/man/${page} VERBATIM)
  list(APPEND man_archives ${archive})
  string(REGEX REPLACE ".*\\.([0-9])$" "\\1" section ${page})
  install(FILES ${archive} DESTINATION share/man/man${section})
endforeach()
add_custom_target(holdgate_man_pages ALL DEPENDS ${man_archives})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME holdgate)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "holdgate maintainers <holdgate@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "SSH bastion with inline just-in-time access approval")
set(CPACK_PACKAGE_DESCRIPTION "holdgate is an SSH bastion: people ssh through it to targets,
ask for access from their terminal, and are held until reviewers approve. Sessions are
audited in a hash-chained trail and can be recorded.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# dpkg-shlibdeps reads the binary's libraries (libssh, libssl, yaml-cpp, ...) into Depends;
# adduser runs in postinst (the system user); procps has the unit's ExecReload, /bin/kill.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, procps")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${packaging_dir}/debian/conffiles ${packaging_dir}/debian/postinst
  ${packaging_dir}/debian/prerm ${packaging_dir}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# The package carries the binary without its debug sections (RelWithDebInfo builds them).
set(CPACK_STRIP_FILES ON)
include(CPack)
