/* miniz.h (excerpt) -- vendored third-party code, public domain. */
#ifndef MINIZ_HEADER_INCLUDED
#define MINIZ_HEADER_INCLUDED

typedef unsigned long mz_ulong;

mz_ulong mz_adler32(mz_ulong adler, const unsigned char *ptr, unsigned long buf_len);
mz_ulong mz_crc32(mz_ulong crc, const unsigned char *ptr, unsigned long buf_len);

#endif
