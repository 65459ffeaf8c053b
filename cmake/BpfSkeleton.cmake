# Kernel-side BPF programs: compiled with clang -target bpf against a vmlinux.h that bpftool
# dumps from the build machine's kernel BTF, linked by bpftool (which drops the DWARF and keeps
# the BTF), and embedded into C++ as a libbpf skeleton header.
#
#   sysfence_bpf_skeleton(recorder src/ebpf/recorder.bpf.c NAME sf_recorder
#                         DEPENDS src/ebpf/recorder_abi.h)
#   # -> ${PROJECT_BINARY_DIR}/bpf/recorder.skel.h, target bpf_skeleton_recorder
find_program(BPFTOOL bpftool PATHS /usr/sbin /sbin REQUIRED)
find_program(BPF_CLANG NAMES clang clang-14 REQUIRED)
set(SYSFENCE_KERNEL_BTF /sys/kernel/btf/vmlinux)
if(NOT EXISTS ${SYSFENCE_KERNEL_BTF})
  message(FATAL_ERROR "${SYSFENCE_KERNEL_BTF} is missing: the eBPF recorder is built against "
                      "the kernel's BTF (a kernel built with CONFIG_DEBUG_INFO_BTF=y)")
endif()
set(SYSFENCE_BPF_DIR ${PROJECT_BINARY_DIR}/bpf)
file(MAKE_DIRECTORY ${SYSFENCE_BPF_DIR})
add_custom_command(
  OUTPUT ${SYSFENCE_BPF_DIR}/vmlinux.h
  COMMAND ${BPFTOOL} btf dump file ${SYSFENCE_KERNEL_BTF} format c > vmlinux.h.tmp
  COMMAND ${CMAKE_COMMAND} -E rename vmlinux.h.tmp vmlinux.h
  WORKING_DIRECTORY ${SYSFENCE_BPF_DIR}
  COMMENT "Dumping the kernel's BTF as vmlinux.h"
  VERBATIM)
# Other directories' custom commands depend on the header through this target.
add_custom_target(bpf_vmlinux_h DEPENDS ${SYSFENCE_BPF_DIR}/vmlinux.h)

# sysfence_bpf_skeleton(STEM SOURCE NAME SKELETON_NAME [DEPENDS HEADER...])
function(sysfence_bpf_skeleton stem source)
  cmake_parse_arguments(ARG "" "NAME" "DEPENDS" ${ARGN})
  get_filename_component(source_path ${source} ABSOLUTE)
  get_filename_component(source_dir ${source_path} DIRECTORY)
  set(object ${SYSFENCE_BPF_DIR}/${stem}.bpf.o)
  set(linked ${SYSFENCE_BPF_DIR}/${stem}.linked.o)
  set(skeleton ${SYSFENCE_BPF_DIR}/${stem}.skel.h)
  add_custom_command(
    OUTPUT ${skeleton}
    COMMAND ${BPF_CLANG} -target bpf -mcpu=v3 -g -O2 -Wall -D__TARGET_ARCH_x86
            -I${SYSFENCE_BPF_DIR} -I${source_dir} -c ${source_path} -o ${object}
    COMMAND ${BPFTOOL} gen object ${linked} ${object}
    COMMAND ${BPFTOOL} gen skeleton ${linked} name ${ARG_NAME} > ${skeleton}.tmp
    COMMAND ${CMAKE_COMMAND} -E rename ${skeleton}.tmp ${skeleton}
    DEPENDS ${source_path} ${ARG_DEPENDS} bpf_vmlinux_h
    WORKING_DIRECTORY ${SYSFENCE_BPF_DIR}
    COMMENT "Building the BPF program ${stem} and its skeleton"
    VERBATIM)
  add_custom_target(bpf_skeleton_${stem} DEPENDS ${skeleton})
endfunction()
