# tong-image: automake fragment included by the top Makefile.am.
# Links only libtongcommon.a (src/common), never the runtime core.
