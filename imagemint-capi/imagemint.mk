# Flags for C and C++ programs built against this repository's libimagemint:
#
#   include path/to/imagemint-capi/imagemint.mk
#   prog: prog.c
#   	$(CC) $(IMAGEMINT_CPPFLAGS) $< -o $@ $(IMAGEMINT_LDFLAGS) $(IMAGEMINT_LIBS)
#
# or, to link the library into the program (libc and friends stay shared), link
# $(IMAGEMINT_STATIC_LIBS) instead of $(IMAGEMINT_LDFLAGS) $(IMAGEMINT_LIBS).
# Build the library first:
#   cargo build [--release] -p imagemint-capi    (and IMAGEMINT_PROFILE=release for Make)

IMAGEMINT_ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
IMAGEMINT_PROFILE ?= debug
# Cargo's target directory: $CARGO_TARGET_DIR, a relative one taken from the repository
# root (where cargo is run), or target/.
IMAGEMINT_TARGET_DIR ?= $(abspath $(if $(CARGO_TARGET_DIR),$(if $(filter /%,$(CARGO_TARGET_DIR)),,$(IMAGEMINT_ROOT)/)$(CARGO_TARGET_DIR),$(IMAGEMINT_ROOT)/target))
# `=`, not `:=`: a Makefile may set IMAGEMINT_PROFILE after including this one.
IMAGEMINT_LIBDIR = $(IMAGEMINT_TARGET_DIR)/$(IMAGEMINT_PROFILE)
IMAGEMINT_HEADER := $(IMAGEMINT_ROOT)/imagemint-capi/include/imagemint.h

IMAGEMINT_CPPFLAGS := -I$(IMAGEMINT_ROOT)/imagemint-capi/include
# The rpath lets the program find libimagemint.so where cargo built it.
IMAGEMINT_LDFLAGS = -L$(IMAGEMINT_LIBDIR) -Wl,-rpath,$(IMAGEMINT_LIBDIR)
IMAGEMINT_LIBS := -limagemint
# The archive and the system libraries it needs, as
# `cargo rustc -p imagemint-capi --lib -- --print native-static-libs` lists them (Linux).
# noexecstack: one of tract's assembly objects lacks the note that says it needs no
# executable stack, and GNU ld would otherwise give the whole program one.
IMAGEMINT_STATIC_LIBS = $(IMAGEMINT_LIBDIR)/libimagemint.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc -Wl,-z,noexecstack
