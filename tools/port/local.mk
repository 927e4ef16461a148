# tong-port: automake fragment included by the top Makefile.am.
# Links only libtongcommon.a (src/common), never the runtime core.
if BUILD_TOOLS
bin_PROGRAMS += tong-port
TONG_PORT_LIB_SOURCES = tools/port/port.h tools/port/target.c tools/port/proxy.c
tong_port_SOURCES = $(TONG_PORT_LIB_SOURCES) tools/port/main.c
tong_port_LDADD = libtongcommon.a $(YAJL_LIBS)
tong_port_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS) -pthread
tong_port_LDFLAGS = -pthread

check_PROGRAMS += tests/unit/test-port-spec
tests_unit_test_port_spec_SOURCES = tests/unit/test-port-spec.c tests/unit/unit.h \
	$(TONG_PORT_LIB_SOURCES)
tests_unit_test_port_spec_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tools/port
tests_unit_test_port_spec_LDADD = libtongcommon.a $(YAJL_LIBS)
tests_unit_test_port_spec_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS) -pthread
tests_unit_test_port_spec_LDFLAGS = -pthread

# The integration tests' network peer: a static echo server and client
# (busybox nc has no UDP and no half-close), copied into test containers.
noinst_PROGRAMS += tools/port/porttest
tools_port_porttest_SOURCES = tools/port/porttest.c
tools_port_porttest_LDFLAGS = -static
tools_port_porttest_LDADD =

man1_MANS += man/tong-port.1
EXTRA_DIST += man/tong-port.1 man/tong-port.1.md contrib/completions/tong-port.bash \
	tests/integration/t-port.sh tests/integration/t-tools-e2e.sh
endif
