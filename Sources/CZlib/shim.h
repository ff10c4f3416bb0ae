// zlib, used to read `.gz` dataset files. Debian/Ubuntu: zlib1g-dev.
#include <zlib.h>
