#include <png.h>

/// PNG_IMAGE_VERSION and PNG_FORMAT_RGB are macros; the simplified read API needs both.
static const unsigned int cpng_image_version = PNG_IMAGE_VERSION;
static const unsigned int cpng_format_rgb = PNG_FORMAT_RGB;
