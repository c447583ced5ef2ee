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

# ---- What is installed -------------------------------------------------------------------------
# Two components: `runtime`, the sessionspec command and its data (the Debian package
# `sessionspec`), and `dev`, the headers, static libraries and CMake package for C++ handler
# authors (`sessionspec-dev`). bin/ and share/sessionspec/ are fixed names, not GNUInstallDirs
# variables: the binary finds its data through exactly that relation (base/data_dir.hpp).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)
set(SS_DATA_DESTINATION share/sessionspec)
set(SS_CMAKE_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/sessionspec)

install(TARGETS sessionspec RUNTIME DESTINATION bin COMPONENT runtime)
# The data, without the C++ sources that share some of these folders and without tests.
install(DIRECTORY scenarios/ DESTINATION ${SS_DATA_DESTINATION}/scenarios COMPONENT runtime
        FILES_MATCHING PATTERN "*.scn" PATTERN "*.md")
install(DIRECTORY oracle/ DESTINATION ${SS_DATA_DESTINATION}/oracle COMPONENT runtime
        FILES_MATCHING PATTERN "*.php" PATTERN "README.md" PATTERN "examples" EXCLUDE)
install(DIRECTORY adapters/ DESTINATION ${SS_DATA_DESTINATION}/adapters COMPONENT runtime)
install(DIRECTORY reports/ DESTINATION ${SS_DATA_DESTINATION}/reports COMPONENT runtime
        USE_SOURCE_PERMISSIONS PATTERN "tests" EXCLUDE PATTERN "__pycache__" EXCLUDE
        PATTERN "pytest.ini" EXCLUDE PATTERN ".gitignore" EXCLUDE)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT runtime)
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT runtime
        FILES_MATCHING PATTERN "*.md")

# ---- The exported libraries --------------------------------------------------------------------
# sessionspec::core is the model, the foundation, the handler seam and the built-in handlers (the
# registry that makes them from URIs); sessionspec::scenarios adds the scenario language and
# runner; sessionspec::conformance_gtest is the conformance suite. Every project library they
# link is exported with them (found below by walking the link graph, so a library that another
# folder adds later is exported without a change here), as sessionspec::<name without ss_>.
add_library(ss_core INTERFACE)
target_link_libraries(ss_core INTERFACE ss_registry)
set_target_properties(ss_core PROPERTIES EXPORT_NAME core)
add_library(sessionspec::core ALIAS ss_core)
add_library(sessionspec::scenarios ALIAS ss_scenarios)
add_library(sessionspec::conformance_gtest ALIAS ss_conformance_gtest)

# Sets `out` to the project targets among `targets` and everything they link, transitively, and
# `out_imported` to the imported (external) targets they link.
function(ss_link_closure out out_imported)
  set(todo ${ARGN})
  set(seen "")
  set(imported "")
  # Bounded by the number of targets: each is expanded once.
  while(todo)
    list(POP_FRONT todo t)
    if(t IN_LIST seen OR t IN_LIST imported)
      continue()
    endif()
    get_target_property(is_imported ${t} IMPORTED)
    if(is_imported)
      list(APPEND imported ${t})
      continue()
    endif()
    list(APPEND seen ${t})
    get_target_property(type ${t} TYPE)
    set(links "")
    if(NOT type STREQUAL "INTERFACE_LIBRARY")
      get_target_property(links ${t} LINK_LIBRARIES)
    endif()
    get_target_property(interface_links ${t} INTERFACE_LINK_LIBRARIES)
    foreach(lib IN LISTS links interface_links)
      string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" lib "${lib}")
      if(TARGET ${lib})
        get_target_property(aliased ${lib} ALIASED_TARGET)
        if(aliased)
          set(lib ${aliased})
        endif()
        list(APPEND todo ${lib})
      elseif(lib MATCHES "::" AND NOT lib IN_LIST imported)
        # An imported target of a subdirectory's find_package(), invisible from here.
        list(APPEND imported ${lib})
      endif()
    endforeach()
  endwhile()
  set(${out} ${seen} PARENT_SCOPE)
  set(${out_imported} ${imported} PARENT_SCOPE)
endfunction()

# How a consumer finds each external library an exported target links (sessionspecConfig.cmake).
# A new external link of an exported library stops the configure step here until it has a line.
set(SS_FIND_Threads::Threads "find_dependency(Threads)")
set(SS_FIND_Boost::headers "find_dependency(Boost 1.81 CONFIG)")
set(SS_FIND_nlohmann_json::nlohmann_json "find_dependency(nlohmann_json 3 CONFIG)")
set(SS_FIND_fmt::fmt "find_dependency(fmt CONFIG)")
set(SS_FIND_CLI11::CLI11 "find_dependency(CLI11 CONFIG)")
set(SS_FIND_rapidcheck "find_dependency(rapidcheck CONFIG)")
set(SS_FIND_SQLite::SQLite3 "find_dependency(SQLite3)")
set(SS_FIND_PkgConfig::HIREDIS "ss_find_hiredis()")
set(SS_FIND_GTest::gtest "find_dependency(GTest CONFIG)")
set(SS_FIND_GTest::gmock "find_dependency(GTest CONFIG)")

# Each exported target gets its export name and its include directories as seen from an
# installation (the per-folder CMakeLists.txt say ${PROJECT_SOURCE_DIR}, which means nothing
# there); `folders_var` gains the source folders of its files.
function(ss_prepare_export target folders_var)
  get_target_property(name ${target} EXPORT_NAME)
  if(NOT name)
    string(REGEX REPLACE "^ss_" "" name ${target})
    set_target_properties(${target} PROPERTIES EXPORT_NAME ${name})
  endif()
  get_target_property(dirs ${target} INTERFACE_INCLUDE_DIRECTORIES)
  if(dirs)
    set(wrapped "")
    foreach(dir IN LISTS dirs)
      # Prefix tests, not regular expressions: a build directory may be named build-g++.
      string(FIND "${dir}" "${PROJECT_SOURCE_DIR}" in_source)
      string(FIND "${dir}" "${PROJECT_BINARY_DIR}" in_build)
      if(in_source EQUAL 0 OR in_build EQUAL 0)
        list(APPEND wrapped "$<BUILD_INTERFACE:${dir}>")
      else()
        list(APPEND wrapped "${dir}")
      endif()
    endforeach()
    set_target_properties(${target} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${wrapped}")
  endif()
  get_target_property(sources ${target} SOURCES)
  get_target_property(source_dir ${target} SOURCE_DIR)
  set(folders ${${folders_var}})
  foreach(src IN LISTS sources)
    get_filename_component(abs "${src}" ABSOLUTE BASE_DIR ${source_dir})
    string(FIND "${abs}" "${PROJECT_BINARY_DIR}/" in_build)
    if(in_build EQUAL 0)
      continue()  # generated (base/version.cpp)
    endif()
    file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR} "${abs}")
    get_filename_component(folder "${rel}" DIRECTORY)
    list(APPEND folders ${folder})
  endforeach()
  list(REMOVE_DUPLICATES folders)
  set(${folders_var} ${folders} PARENT_SCOPE)
endfunction()

# The headers of every folder an exported library is built from, under
# include/sessionspec/<folder>/, so that the tree's own spelling (#include "handlers/seam.hpp")
# works through include/sessionspec and <sessionspec/handlers/seam.hpp> through include/.
# model/detail/ holds the model's internal headers and is not installed.
function(ss_install_headers)
  foreach(folder IN LISTS ARGN)
    file(GLOB headers CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${folder}/*.hpp)
    if(headers)
      install(FILES ${headers} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/sessionspec/${folder}
              COMPONENT dev)
    endif()
  endforeach()
endfunction()

# Two export sets: the core (with the scenarios) and the conformance suite, whose GoogleTest
# dependency a consumer of the core alone does not need (sessionspecConfig.cmake.in).
ss_link_closure(SS_CORE_TARGETS SS_CORE_IMPORTED ss_core ss_scenarios)
ss_link_closure(SS_SUITE_TARGETS SS_SUITE_IMPORTED ss_conformance_gtest)
list(REMOVE_ITEM SS_SUITE_TARGETS ${SS_CORE_TARGETS})
list(REMOVE_ITEM SS_SUITE_IMPORTED ${SS_CORE_IMPORTED})
set(SS_HEADER_FOLDERS "")
foreach(t IN LISTS SS_CORE_TARGETS SS_SUITE_TARGETS)
  ss_prepare_export(${t} SS_HEADER_FOLDERS)
endforeach()
ss_install_headers(${SS_HEADER_FOLDERS})

# The find_dependency() lines of each export set, in the order the imported targets were met.
function(ss_find_lines out)
  set(lines "")
  foreach(dep IN LISTS ARGN)
    if(NOT DEFINED "SS_FIND_${dep}")
      message(FATAL_ERROR "cmake/Install.cmake: an exported library links ${dep}; add a "
                          "SS_FIND_${dep} line saying how a consumer finds it")
    endif()
    list(APPEND lines "${SS_FIND_${dep}}")
  endforeach()
  list(REMOVE_DUPLICATES lines)
  list(JOIN lines "\n" text)
  set(${out} "${text}" PARENT_SCOPE)
endfunction()
ss_find_lines(SS_CORE_FIND ${SS_CORE_IMPORTED})
# The suite's own external dependency is GoogleTest, which sessionspecConfig.cmake.in looks for
# itself (optional unless the component is asked for).
foreach(dep IN LISTS SS_SUITE_IMPORTED)
  if(NOT dep MATCHES "^GTest::")
    message(FATAL_ERROR "cmake/Install.cmake: the conformance suite links ${dep}; "
                        "sessionspecConfig.cmake.in finds only GoogleTest for it")
  endif()
endforeach()

foreach(set_name IN ITEMS Core Suite)
  string(TOUPPER ${set_name} upper)
  install(TARGETS ${SS_${upper}_TARGETS} EXPORT sessionspec${set_name}Targets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
          INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
                               ${CMAKE_INSTALL_INCLUDEDIR}/sessionspec)
  install(EXPORT sessionspec${set_name}Targets NAMESPACE sessionspec::
          DESTINATION ${SS_CMAKE_DESTINATION} COMPONENT dev)
endforeach()

configure_package_config_file(cmake/sessionspecConfig.cmake.in
  ${PROJECT_BINARY_DIR}/sessionspecConfig.cmake INSTALL_DESTINATION ${SS_CMAKE_DESTINATION}
  PATH_VARS SS_DATA_DESTINATION)
# 0.x: a new minor version may change the API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/sessionspecConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/sessionspecConfig.cmake
              ${PROJECT_BINARY_DIR}/sessionspecConfigVersion.cmake
        DESTINATION ${SS_CMAKE_DESTINATION} COMPONENT dev)

# ---- The Debian packages (cpack -G DEB in the build directory; ci/package.sh) ---------------------
# `sessionspec` (component runtime: the command, its data under /usr/share/sessionspec, the docs)
# and `sessionspec-dev` (component dev: headers, static libraries, the CMake package). Shared
# libraries the binary links come from dpkg-shlibdeps; what it starts or reads at run time is
# declared here: php8.2-cli runs the oracle, the PHP adapter and php: handlers, python3 with
# Jinja2 writes reports.
set(CPACK_PACKAGE_NAME sessionspec)
set(CPACK_PACKAGE_VENDOR sessionspec)
set(CPACK_PACKAGE_CONTACT "sessionspec maintainers <sessionspec@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Conformance test framework for PHP session save handlers")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_GENERATOR DEB)
set(CPACK_STRIP_FILES ON)
set(CPACK_COMPONENTS_ALL runtime dev)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION "Conformance test framework for PHP session save handlers
 sessionspec models PHP 8.2's session life-cycle, checks handlers against it (scenarios,
 properties, races) and certifies them: built-in handlers, PHP SessionHandlerInterface classes
 and PHP's own session modules.")
set(CPACK_COMPONENT_DEV_DESCRIPTION "sessionspec SDK for C++ session handlers
 Headers, static libraries and the CMake package (find_package(sessionspec)) with the handler
 seam, the built-in handlers and the conformance suite sessionspec::conformance_gtest.")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME sessionspec)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS "php8.2-cli, python3, python3-jinja2")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_RECOMMENDS "php8.2-sqlite3, php8.2-redis, redis-server")
# The PHPUnit bridge (/usr/share/sessionspec/adapters/phpunit) runs under Debian's phpunit.
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SUGGESTS "phpunit")
set(CPACK_DEBIAN_DEV_PACKAGE_NAME sessionspec-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
    "sessionspec (= ${PROJECT_VERSION}), cmake, pkg-config, libboost1.81-dev, \
nlohmann-json3-dev, libhiredis-dev, libsqlite3-dev, libgtest-dev")
include(CPack)
