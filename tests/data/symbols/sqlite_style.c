/*
 * Patterns of SQLite-style C: inline assembly before definitions, and calls named in comments.
 * Handwritten for Vitrine's tests.
 */

#define DEMO_MUTEX_STATIC_MEM 3 /* demo_malloc() */
#define DEMO_MUTEX_STATIC_OPEN 4 // demo_open() uses it

#if defined(__GNUC__) && (defined(i386) || defined(__i386__))
  __inline__ demo_u64 demo_hwtime(void){
     unsigned int lo, hi;
     __asm__ __volatile__ ("rdtsc" : "=a" (lo), "=d" (hi));
     return (demo_u64)hi << 32 | lo;
  }
#elif defined(__GNUC__) && defined(__ppc__)
  __inline__ demo_u64 demo_hwtime(void){
      unsigned long long retval;
      unsigned long junk;
      __asm__ __volatile__ ("\n\
          1:      mftbu   %1\n\
                  mftb    %L0\n\
                  mftbu   %0\n\
                  cmpw    %0,%1\n\
                  bne     1b"
                  : "=r" (retval), "=r" (junk));
      return retval;
  }
#elif defined(_MSC_VER)
  __declspec(naked) __inline demo_u64 __cdecl demo_hwtime(void){
     __asm {
        rdtsc
        ret       ; return value at EDX:EAX
     }
  }
#endif

int demo_get_token(const unsigned char *z, int *type)
{
    int i = 0;
    while (z[i] != 0) {
        i++;
    }
    *type = demo_classify(z, i);
    return i;
}

static int demo_read(void *file, void *buf, int amt)
{
    void *p = demo_malloc(amt);
    demo_copy(buf, p, amt);
    return 0;
}
