// libjpeg's default error handler prints and calls exit(), and a truncated file is only a
// warning (libjpeg pads it with grey). These wrappers install an error manager that turns
// every error and every warning into a message and a longjmp back here, so a bad file is an
// error return, never an exit or a silently padded image. Static: compiled into the importer.
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>

/// libjpeg's working memory per decode (a progressive image keeps all its coefficients);
/// beyond it libjpeg reports an error instead of allocating (no backing store).
#define CJPEG_MEMORY_LIMIT (512L * 1024 * 1024)

typedef struct {
    struct jpeg_error_mgr manager;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
} cjpeg_error;

static void cjpeg_fail(j_common_ptr cinfo) {
    cjpeg_error *e = (cjpeg_error *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, e->message);
    longjmp(e->jump, 1);
}

/// msg_level -1 is a warning (corrupt data, premature end): fatal here. Trace messages are dropped.
static void cjpeg_emit(j_common_ptr cinfo, int msg_level) {
    if (msg_level < 0) cjpeg_fail(cinfo);
}

static void cjpeg_silent(j_common_ptr cinfo) { (void)cinfo; }

static struct jpeg_error_mgr *cjpeg_errors(cjpeg_error *e) {
    jpeg_std_error(&e->manager);
    e->manager.error_exit = cjpeg_fail;
    e->manager.emit_message = cjpeg_emit;
    e->manager.output_message = cjpeg_silent;
    e->message[0] = 0;
    return &e->manager;
}

/// Reads the header only. Returns 0 and the size, or -1 and a message (`message_size` bytes).
static int cjpeg_read_size(const unsigned char *data, unsigned long size, int *width, int *height,
                           char *message, size_t message_size) {
    struct jpeg_decompress_struct cinfo;
    cjpeg_error e;
    cinfo.err = cjpeg_errors(&e);
    jpeg_create_decompress(&cinfo);
    if (setjmp(e.jump)) {
        jpeg_destroy_decompress(&cinfo);
        snprintf(message, message_size, "%s", e.message);
        return -1;
    }
    jpeg_mem_src(&cinfo, data, size);
    jpeg_read_header(&cinfo, TRUE);
    *width = (int)cinfo.image_width;
    *height = (int)cinfo.image_height;
    jpeg_destroy_decompress(&cinfo);
    return 0;
}

/// Decodes to 8-bit RGB into `out` (width * height * 3 bytes, the size cjpeg_read_size gave);
/// grey images are expanded to RGB by libjpeg. Returns 0, or -1 and a message.
static int cjpeg_decode_rgb(const unsigned char *data, unsigned long size, unsigned char *out,
                            int width, int height, char *message, size_t message_size) {
    struct jpeg_decompress_struct cinfo;
    cjpeg_error e;
    cinfo.err = cjpeg_errors(&e);
    jpeg_create_decompress(&cinfo);
    if (setjmp(e.jump)) {
        jpeg_destroy_decompress(&cinfo);
        snprintf(message, message_size, "%s", e.message);
        return -1;
    }
    cinfo.mem->max_memory_to_use = CJPEG_MEMORY_LIMIT;
    jpeg_mem_src(&cinfo, data, size);
    jpeg_read_header(&cinfo, TRUE);
    if ((int)cinfo.image_width != width || (int)cinfo.image_height != height) {
        jpeg_destroy_decompress(&cinfo);
        snprintf(message, message_size, "size changed between reads");
        return -1;
    }
    cinfo.out_color_space = JCS_RGB;
    jpeg_start_decompress(&cinfo);
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = out + (size_t)cinfo.output_scanline * (size_t)width * 3;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return 0;
}

/// Encodes 8-bit RGB (components 3) or grey (components 1) at `quality` (1...100); `full_chroma`
/// keeps colour at full resolution (4:4:4) instead of libjpeg's default 4:2:0. Writes a
/// malloc'ed buffer the caller frees with cjpeg_free. Returns 0, or -1 and a message.
static int cjpeg_encode(const unsigned char *pixels, int width, int height, int components, int quality,
                        int full_chroma, int progressive, unsigned char **out, unsigned long *out_size,
                        char *message, size_t message_size) {
    struct jpeg_compress_struct cinfo;
    cjpeg_error e;
    cinfo.err = cjpeg_errors(&e);
    jpeg_create_compress(&cinfo);
    *out = NULL;
    *out_size = 0;
    if (setjmp(e.jump)) {
        jpeg_destroy_compress(&cinfo);
        if (*out) free(*out);
        *out = NULL;
        *out_size = 0;
        snprintf(message, message_size, "%s", e.message);
        return -1;
    }
    jpeg_mem_dest(&cinfo, out, out_size);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = components;
    cinfo.in_color_space = components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    if (full_chroma && components == 3) {
        cinfo.comp_info[0].h_samp_factor = 1;
        cinfo.comp_info[0].v_samp_factor = 1;
    }
    if (progressive) jpeg_simple_progression(&cinfo);
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)cinfo.next_scanline * (size_t)width * (size_t)components);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    return 0;
}

static void cjpeg_free(unsigned char *buffer) { free(buffer); }
