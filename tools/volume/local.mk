# tong-volume: automake fragment included by the top Makefile.am.
# Links only libtongcommon.a (src/common), never the runtime core.
if BUILD_TOOLS
bin_PROGRAMS += tong-volume
TONG_VOLUME_LIB_SOURCES = \
	tools/volume/volume.h \
	tools/volume/jv.c \
	tools/volume/store.c \
	tools/volume/copyup.c \
	tools/volume/mounted.c \
	tools/volume/attach.c
tong_volume_SOURCES = $(TONG_VOLUME_LIB_SOURCES) tools/volume/main.c
tong_volume_LDADD = libtongcommon.a $(YAJL_LIBS)
tong_volume_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS)

check_PROGRAMS += tests/unit/test-volume-spec
tests_unit_test_volume_spec_SOURCES = tests/unit/test-volume-spec.c tests/unit/unit.h \
	$(TONG_VOLUME_LIB_SOURCES)
tests_unit_test_volume_spec_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tools/volume
tests_unit_test_volume_spec_LDADD = libtongcommon.a $(YAJL_LIBS)
tests_unit_test_volume_spec_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS)

man1_MANS += man/tong-volume.1
EXTRA_DIST += man/tong-volume.1 man/tong-volume.1.md contrib/completions/tong-volume.bash \
	tests/integration/t-volume.sh
endif
