# CTest entry for the SSH pre-authentication fuzz harness (included from tests/CMakeLists.txt).
# It builds its own gcc+AFL++ tree with ASan/UBSan under the build directory, then fuzzes for a
# short fixed budget; a crash or a hang fails the test. A long campaign:
#   fuzz/run_ssh_preauth.sh --seconds 3600
add_test(NAME fuzz.ssh_preauth
         COMMAND ${PROJECT_SOURCE_DIR}/fuzz/run_ssh_preauth.sh --seconds 30
                 --build ${CMAKE_BINARY_DIR}/fuzz-ssh-preauth)
set_tests_properties(fuzz.ssh_preauth PROPERTIES LABELS adversarial TIMEOUT 600)
