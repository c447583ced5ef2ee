# Where sessionspec's data lives, in a build tree and in an installation, and (below) the install
# rules, the exported CMake package and the Debian package. Included once, at the end of the top
# CMakeLists.txt, after every target exists, so that the per-folder CMakeLists.txt files need no
# install() lines of their own.

# ---- The data directory ------------------------------------------------------------------------
# The binary finds its data in <directory of the binary>/../share/sessionspec (base/data_dir.hpp).
# An installation has bin/ and share/sessionspec/ side by side; in the build tree every binary
# sits one level below the build directory (cli/, tests/, fuzz/, bench/), so the build makes
# <build>/share/sessionspec/<folder> a link to each source folder the binaries read. Nothing in a
# binary names the source tree.
set(SS_DATA_FOLDERS scenarios oracle adapters reports)
file(MAKE_DIRECTORY ${PROJECT_BINARY_DIR}/share/sessionspec)
foreach(folder IN LISTS SS_DATA_FOLDERS)
  file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${folder} ${PROJECT_BINARY_DIR}/share/sessionspec/${folder}
       SYMBOLIC)
endforeach()
