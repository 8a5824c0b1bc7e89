/*
 * Patterns of OpenSSL-style C that a grammar reading the preprocessor as syntax loses. Handwritten
 * for Vitrine's tests.
 */

#include <string.h>
#include "internal/demo.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A macro invocation written as a statement: no `;` after it. */
IMPLEMENT_DEMO_FUNCTIONS(DEMO_USAGE)

static int demo_v2i_usage(const char *value, int *out)
{
    *out = demo_parse(value);
    return *out >= 0;
}

DECLARE_DEMO_TABLE(DEMO_POINT)
DECLARE_DEMO_TABLE(DEMO_NAME)

static int demo_v2i_point(const char *value)
{
    return demo_parse(value) > 0;
}

/* Each branch opens the block that the code after the chain closes. */
int demo_check_public(const DEMO_KEY *key)
{
    int bits = demo_bits(key);
    int status = 0;

#ifdef DEMO_FIPS_MODULE
    if (bits != 2048 && bits != 3072) {
#else
    if (bits < 512 || bits > 16384) {
#endif
        demo_raise(DEMO_R_BAD_KEY_LENGTH);
        return 0;
    }
    status = demo_check_modulus(key, bits);
    return status;
}

/* A macro defined inside a body, and an X-macro list without `;`. */
const char *demo_err_to_string(unsigned long code)
{
    switch (code) {
#define X(name) case DEMO_ERR_##name: return #name;
    X(NO_ERROR)
    X(INTERNAL_ERROR)
    X(PROTOCOL_VIOLATION)
#undef X
    default:
        return NULL;
    }
}

/* Two signatures in the branches, one body after the chain. */
#ifdef DEMO_CBC_DONT_UPDATE_IV
void demo_cbc_encrypt(const unsigned char *in, unsigned char *out,
                      long length, int enc)
#else
void demo_ncbc_encrypt(const unsigned char *in, unsigned char *out,
                       long length, int enc)
#endif
{
    demo_xor(in, out, length, enc);
}

#if 0
static void demo_disabled(void)
{
    demo_never();
}
#endif

int demo_after_everything(void)
{
    return demo_check_public(NULL);
}

#ifdef __cplusplus
}
#endif
