#include <ft2build.h>
#include FT_FREETYPE_H

/// FT_HAS_COLOR and FT_HAS_FIXED_SIZES are macros Swift cannot import.
static inline int cft_has_color(FT_Face face) { return FT_HAS_COLOR(face) ? 1 : 0; }
static inline int cft_has_fixed_sizes(FT_Face face) { return FT_HAS_FIXED_SIZES(face) ? 1 : 0; }
static const FT_Int32 cft_load_color = FT_LOAD_COLOR;
static const int cft_pixel_mode_bgra = FT_PIXEL_MODE_BGRA;
