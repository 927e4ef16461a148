# tong-image: automake fragment included by the top Makefile.am.
# Links only libtongcommon.a (src/common), never the runtime core.
if BUILD_IMAGE
IMAGE_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS) $(CURL_CFLAGS) $(ARCHIVE_CFLAGS) $(CRYPTO_CFLAGS)
IMAGE_LIBS = libtongcommon.a $(CURL_LIBS) $(ARCHIVE_LIBS) $(CRYPTO_LIBS) $(YAJL_LIBS)

bin_PROGRAMS += tong-image
tong_image_SOURCES = \
	tools/image/main.c \
	tools/image/image.h \
	tools/image/ref.c tools/image/ref.h \
	tools/image/digest.c tools/image/digest.h \
	tools/image/store.c tools/image/store.h \
	tools/image/auth.c tools/image/auth.h \
	tools/image/registry.c tools/image/registry.h \
	tools/image/platform.c \
	tools/image/pull.c \
	tools/image/extract.c \
	tools/image/unpack.c \
	tools/image/import.c \
	tools/image/bundle.c \
	tools/image/cmds.c tools/image/cmds.h \
	tools/image/size.c
tong_image_CFLAGS = $(IMAGE_CFLAGS)
tong_image_LDADD = $(IMAGE_LIBS)

check_PROGRAMS += tests/unit/test-image-ref
tests_unit_test_image_ref_SOURCES = tests/unit/test-image-ref.c tests/unit/unit.h \
	tools/image/ref.c tools/image/ref.h
tests_unit_test_image_ref_CFLAGS = $(IMAGE_CFLAGS) -I$(top_srcdir)/tools/image
tests_unit_test_image_ref_LDADD = libtongcommon.a $(YAJL_LIBS)
check_PROGRAMS += tests/unit/test-image-store
tests_unit_test_image_store_SOURCES = tests/unit/test-image-store.c tests/unit/unit.h \
	tools/image/store.c tools/image/digest.c tools/image/ref.c tools/image/platform.c
tests_unit_test_image_store_CFLAGS = $(IMAGE_CFLAGS) -I$(top_srcdir)/tools/image
tests_unit_test_image_store_LDADD = libtongcommon.a $(CRYPTO_LIBS) $(YAJL_LIBS)

check_PROGRAMS += tests/unit/test-image-challenge
tests_unit_test_image_challenge_SOURCES = tests/unit/test-image-challenge.c tests/unit/unit.h \
	tools/image/registry.c tools/image/auth.c tools/image/ref.c tools/image/digest.c
tests_unit_test_image_challenge_CFLAGS = $(IMAGE_CFLAGS) -I$(top_srcdir)/tools/image
tests_unit_test_image_challenge_LDADD = $(IMAGE_LIBS)

man1_MANS += man/tong-image.1 \
	man/tong-image-pull.1 \
	man/tong-image-unpack.1 \
	man/tong-image-images.1 \
	man/tong-image-inspect.1 \
	man/tong-image-rmi.1 \
	man/tong-image-prune.1 \
	man/tong-image-df.1 \
	man/tong-image-import.1 \
	man/tong-image-login.1 \
	man/tong-image-logout.1
endif

EXTRA_DIST += \
	man/tong-image.1 \
	man/tong-image.1.md \
	man/tong-image-pull.1 \
	man/tong-image-pull.1.md \
	man/tong-image-unpack.1 \
	man/tong-image-unpack.1.md \
	man/tong-image-images.1 \
	man/tong-image-images.1.md \
	man/tong-image-inspect.1 \
	man/tong-image-inspect.1.md \
	man/tong-image-rmi.1 \
	man/tong-image-rmi.1.md \
	man/tong-image-prune.1 \
	man/tong-image-prune.1.md \
	man/tong-image-df.1 \
	man/tong-image-df.1.md \
	man/tong-image-import.1 \
	man/tong-image-import.1.md \
	man/tong-image-login.1 \
	man/tong-image-login.1.md \
	man/tong-image-logout.1 \
	man/tong-image-logout.1.md \
	contrib/completions/tong-image.bash contrib/deps.d/image.list \
	tests/integration/t-image.sh tests/integration/t-image-auth.sh tests/integration/image-fixtures.sh
