# BPF programs: a CO-RE object built with clang -target bpf, and the skeleton
# header bpftool generates from it.
#
#   bpf_skeleton(NAME SOURCE [DEPENDS header...])
#
# compiles SOURCE (a *.bpf.c) into ${CMAKE_CURRENT_BINARY_DIR}/NAME.bpf.o, writes
# NAME.skel.h next to it, and defines the custom target NAME_skel. The variable
# NAME_SKEL_DIR is set in the caller's scope: add it to the include path of the
# code that includes the skeleton.
#
# vmlinux.h is generated once per build tree from the running kernel's BTF
# (/sys/kernel/btf/vmlinux) instead of being committed: it is 130k lines and
# describes one kernel, while CO-RE relocations make the object run on others.

find_program(BPF_CLANG NAMES clang clang-14 REQUIRED)
find_program(BPFTOOL NAMES bpftool PATHS /usr/sbin /usr/local/sbin REQUIRED)
set(BPF_VMLINUX_BTF /sys/kernel/btf/vmlinux CACHE FILEPATH "Kernel BTF that vmlinux.h is generated from")

set(BPF_ARCH x86)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  set(BPF_ARCH arm64)
endif()

function(bpf_vmlinux_header out_var)
  set(dir ${CMAKE_BINARY_DIR}/bpf-include)
  set(header ${dir}/vmlinux.h)
  if(NOT TARGET bpf_vmlinux_h)
    add_custom_command(
      OUTPUT ${header}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
      COMMAND ${BPFTOOL} btf dump file ${BPF_VMLINUX_BTF} format c > ${header}.tmp
      COMMAND ${CMAKE_COMMAND} -E rename ${header}.tmp ${header}
      COMMENT "Generating vmlinux.h from ${BPF_VMLINUX_BTF}"
      VERBATIM)
    add_custom_target(bpf_vmlinux_h DEPENDS ${header})
  endif()
  set(${out_var} ${dir} PARENT_SCOPE)
endfunction()

function(bpf_skeleton name src)
  cmake_parse_arguments(ARG "" "" "DEPENDS" ${ARGN})
  bpf_vmlinux_header(vmlinux_dir)
  set(obj ${CMAKE_CURRENT_BINARY_DIR}/${name}.bpf.o)
  set(skel ${CMAKE_CURRENT_BINARY_DIR}/${name}.skel.h)
  get_filename_component(src_abs ${src} ABSOLUTE)
  get_filename_component(src_dir ${src_abs} DIRECTORY)
  # <bpf/usdt.bpf.h> pulls <asm/errno.h>, which Debian keeps in the multiarch dir.
  set(arch_inc "")
  if(CMAKE_LIBRARY_ARCHITECTURE)
    set(arch_inc -idirafter /usr/include/${CMAKE_LIBRARY_ARCHITECTURE})
  endif()
  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${BPF_CLANG} -g -O2 -target bpf -D__TARGET_ARCH_${BPF_ARCH}
            -Wall -Werror -I${vmlinux_dir} -I${src_dir} -I${PROJECT_SOURCE_DIR}/common ${arch_inc} -c ${src_abs} -o ${obj}
    DEPENDS ${src_abs} ${ARG_DEPENDS} ${vmlinux_dir}/vmlinux.h
    COMMENT "BPF object ${name}.bpf.o"
    VERBATIM)
  add_custom_command(
    OUTPUT ${skel}
    COMMAND ${BPFTOOL} gen skeleton ${obj} name ${name} > ${skel}.tmp
    COMMAND ${CMAKE_COMMAND} -E rename ${skel}.tmp ${skel}
    DEPENDS ${obj}
    COMMENT "BPF skeleton ${name}.skel.h"
    VERBATIM)
  add_custom_target(${name}_skel DEPENDS ${skel})
  add_dependencies(${name}_skel bpf_vmlinux_h)
  set(${name}_SKEL_DIR ${CMAKE_CURRENT_BINARY_DIR} PARENT_SCOPE)
endfunction()
