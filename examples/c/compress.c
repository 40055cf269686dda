/* Compresses an image to WebP, shrunk to fit 1200×1200, and prints the report.
 *
 *   make -C examples/c && examples/c/compress photo.jpg photo.webp [quality]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "imagemint.h"

static int fail(const char *what, imagemint_status status) {
    fprintf(stderr, "%s: %s (status %d)\n", what, imagemint_last_error_message(), (int)status);
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s INPUT OUTPUT.webp [QUALITY]\n", argv[0]);
        return 2;
    }
    int quality = argc > 3 ? atoi(argv[3]) : 75;

    imagemint_options *options = imagemint_options_new();
    imagemint_status status;
    if ((status = imagemint_options_set_format(options, "webp")) != IMAGEMINT_OK ||
        (status = imagemint_options_set_quality(options, quality)) != IMAGEMINT_OK ||
        (status = imagemint_options_set_resize(options, 1200, 1200, "contain")) != IMAGEMINT_OK) {
        imagemint_options_free(options);
        return fail("options", status);
    }

    imagemint_result *result = NULL;
    status = imagemint_process_file(argv[1], options, NULL, &result);
    imagemint_options_free(options);
    if (status != IMAGEMINT_OK) {
        return fail(argv[1], status);
    }

    size_t len = 0;
    const uint8_t *data = imagemint_result_data(result, &len);
    FILE *out = fopen(argv[2], "wb");
    int written = out != NULL && fwrite(data, 1, len, out) == len;
    if (out != NULL && fclose(out) != 0) {
        written = 0;
    }
    if (!written) {
        perror(argv[2]);
        imagemint_result_free(result);
        return 1;
    }
    printf("%s → %s: %" PRIu32 "×%" PRIu32 " %s, %zu bytes\n%s\n", argv[1], argv[2], imagemint_result_width(result),
           imagemint_result_height(result), imagemint_result_format(result), len,
           imagemint_result_report_json(result));
    imagemint_result_free(result);
    return 0;
}
