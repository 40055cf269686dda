/* The C ABI from C: success, the setters, pixel input, background removal with a real
 * model (when its path is given), corrupt input, bad options, NULL pointers, freeing, and
 * handles shared by threads. Exits non-zero if any check failed. scripts/test.sh runs it
 * with the model, then under valgrind without it (see the Makefile for why):
 *
 *   make -C imagemint-capi/tests run valgrind
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imagemint.h"

static int failures = 0;
#define CHECK(cond)                                                                 \
    do {                                                                            \
        if (!(cond)) {                                                              \
            const char *msg = imagemint_last_error_message();                       \
            fprintf(stderr, "%s:%d: CHECK(%s) failed (last error: %s)\n", __FILE__, \
                    __LINE__, #cond, msg ? msg : "none");                           \
            failures++;                                                             \
        }                                                                           \
    } while (0)

static const char *fixtures;

/* strcmp and strstr that fail a CHECK instead of crashing on NULL. */
static int same(const char *a, const char *b) { return a != NULL && b != NULL && strcmp(a, b) == 0; }
static int has(const char *text, const char *part) { return text != NULL && strstr(text, part) != NULL; }

static unsigned char *read_file(const char *name, size_t *len) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", fixtures, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *data = malloc(*len);
    if (data == NULL || fread(data, 1, *len, f) != *len) {
        exit(2);
    }
    fclose(f);
    return data;
}

static void success(void) {
    size_t len;
    unsigned char *jpeg = read_file("rocket.jpg", &len);
    imagemint_options *options = imagemint_options_new();
    CHECK(imagemint_options_set_format(options, "webp") == IMAGEMINT_OK);
    CHECK(imagemint_options_set_quality(options, 70) == IMAGEMINT_OK);
    CHECK(imagemint_options_set_resize(options, 320, 0, NULL) == IMAGEMINT_OK);
    CHECK(imagemint_last_error_message() == NULL);

    imagemint_result *result = NULL;
    CHECK(imagemint_process(jpeg, len, options, NULL, &result) == IMAGEMINT_OK);
    CHECK(result != NULL);
    size_t out_len = 0;
    const uint8_t *out = imagemint_result_data(result, &out_len);
    CHECK(out != NULL && out_len > 12 && out_len < len && memcmp(out + 8, "WEBP", 4) == 0);
    CHECK(imagemint_result_width(result) == 320 && imagemint_result_height(result) == 214);
    CHECK(same(imagemint_result_format(result), "webp"));
    CHECK(has(imagemint_result_report_json(result), "\"outputBytes\""));
    imagemint_result_free(result);

    /* Every option through JSON; a rotated PNG. */
    imagemint_options *json = NULL;
    CHECK(imagemint_options_from_json("{\"encode\": {\"format\": \"png\"}, \"transform\": {\"rotate\": 90}}",
                                      &json) == IMAGEMINT_OK);
    result = NULL;
    CHECK(imagemint_process(jpeg, len, json, NULL, &result) == IMAGEMINT_OK);
    CHECK(imagemint_result_width(result) == 427 && imagemint_result_height(result) == 640);
    imagemint_result_free(result);
    imagemint_options_free(json);

    /* From a file, with the defaults. */
    char path[4096];
    snprintf(path, sizeof path, "%s/chelsea.png", fixtures);
    result = NULL;
    CHECK(imagemint_process_file(path, NULL, NULL, &result) == IMAGEMINT_OK);
    CHECK(same(imagemint_result_format(result), "png"));
    imagemint_result_free(result);

    imagemint_options_free(options);
    free(jpeg);
}

static void setters_and_pixels(void) {
    /* An 8x2 RGBA image whose rows are padded to 40 bytes, as graphics APIs keep them; on
     * the heap and no longer than the call may read (the last row has no padding), so
     * valgrind sees any read past it. */
    enum { W = 8, H = 2, STRIDE = 40, SIZE = STRIDE * (H - 1) + W * 4 };
    uint8_t *pixels = malloc(SIZE);
    CHECK(pixels != NULL);
    if (pixels == NULL) {
        return;
    }
    memset(pixels, 0xee, SIZE);
    for (int y = 0; y < H; y++) {
        for (int x = 0; x < W; x++) {
            uint8_t *p = pixels + y * STRIDE + x * 4;
            p[0] = (uint8_t)(x * 30), p[1] = (uint8_t)(y * 100), p[2] = 50, p[3] = 255;
        }
    }
    imagemint_options *options = NULL;
    CHECK(imagemint_options_from_preset("max-compression", &options) == IMAGEMINT_OK);
    CHECK(imagemint_options_set_format(options, "png") == IMAGEMINT_OK);
    CHECK(imagemint_options_set_crop(options, 1, 0, 6, 2) == IMAGEMINT_OK);
    CHECK(imagemint_options_set_rotate(options, 90) == IMAGEMINT_OK);
    CHECK(imagemint_options_set_flip(options, 1, 0) == IMAGEMINT_OK);
    CHECK(imagemint_options_set_resize(options, 0, 12, NULL) == IMAGEMINT_OK);
    CHECK(imagemint_options_set_resize_filter(options, "nearest") == IMAGEMINT_OK);
    CHECK(imagemint_options_set_resize_enlarge(options, 1) == IMAGEMINT_OK);
    CHECK(imagemint_options_set_limits(options, 64, 64, 0, 0) == IMAGEMINT_OK);

    imagemint_result *result = NULL;
    CHECK(imagemint_process_pixels(pixels, W, H, STRIDE, 4, options, NULL, &result) == IMAGEMINT_OK);
    /* Cropped to 6x2, rotated to 2x6, enlarged to a height of 12. */
    CHECK(imagemint_result_width(result) == 4 && imagemint_result_height(result) == 12);
    CHECK(same(imagemint_result_format(result), "png"));
    CHECK(has(imagemint_result_report_json(result), "\"inputFormat\":null"));
    imagemint_result_free(result);

    result = NULL;
    CHECK(imagemint_process_pixels(pixels, W, H, STRIDE, 2, options, NULL, &result) ==
          IMAGEMINT_INVALID_ARGUMENT);
    CHECK(imagemint_process_pixels(pixels, W, H, 16, 4, options, NULL, &result) ==
          IMAGEMINT_INVALID_ARGUMENT);
    CHECK(has(imagemint_last_error_message(), "stride"));
    uint8_t wide[100 * 3] = {0};
    CHECK(imagemint_process_pixels(wide, 100, 1, 0, 3, options, NULL, &result) ==
          IMAGEMINT_LIMITS_EXCEEDED);
    CHECK(imagemint_process_pixels(NULL, W, H, 0, 4, options, NULL, &result) == IMAGEMINT_NULL_ARGUMENT);
    CHECK(result == NULL);
    CHECK(imagemint_options_set_rotate(options, 45) == IMAGEMINT_INVALID_OPTIONS);
    CHECK(imagemint_options_set_mask_threshold(options, 2.0f) == IMAGEMINT_INVALID_OPTIONS);
    CHECK(imagemint_options_set_jpeg(options, 1, "4:1:1") == IMAGEMINT_INVALID_OPTIONS);
    imagemint_options_free(options);
    free(pixels);
}

/* Background removal with a real model: U2-Netp (4.6 MB), the built-in spec's values, but
 * run at 64x64 instead of 320x320 (it is fully convolutional): valgrind runs it 25 times
 * faster, and the JSON form of a spec is tested too. */
static const char U2NETP_64[] =
    "{\"inputWidth\": 64, \"inputHeight\": 64, \"channelOrder\": \"rgb\","
    " \"mean\": [0.485, 0.456, 0.406], \"std\": [0.229, 0.224, 0.225],"
    " \"outputIndex\": 0, \"activation\": \"minMax\"}";

static void background_removal(const char *model_path) {
    imagemint_mask_model *model = NULL;
    CHECK(imagemint_mask_model_load(model_path, U2NETP_64, &model) == IMAGEMINT_OK);
    if (model == NULL) {
        fprintf(stderr, "no model at %s (bash scripts/fetch-model.sh u2netp)\n", model_path);
        return;
    }
    size_t len;
    unsigned char *png = read_file("chelsea.png", &len);
    imagemint_options *options = imagemint_options_new();
    CHECK(imagemint_options_set_format(options, "webp") == IMAGEMINT_OK);
    CHECK(imagemint_options_set_mask_crop(options, 1, 4) == IMAGEMINT_OK);

    imagemint_result *result = NULL;
    CHECK(imagemint_process(png, len, options, model, &result) == IMAGEMINT_OK);
    size_t out_len = 0;
    const uint8_t *out = imagemint_result_data(result, &out_len);
    /* A cutout: a WebP whose VP8X header says it has alpha, cropped to the cat. */
    CHECK(out_len > 30 && memcmp(out + 12, "VP8X", 4) == 0 && (out[20] & 0x10) != 0);
    CHECK(imagemint_result_width(result) < 451 && imagemint_result_width(result) > 100);
    imagemint_result_free(result);

    /* The mask itself, and the mask stage without a model. */
    CHECK(imagemint_options_set_mask(options, "maskOnly") == IMAGEMINT_OK);
    CHECK(imagemint_options_set_format(options, "png") == IMAGEMINT_OK);
    result = NULL;
    CHECK(imagemint_process(png, len, options, model, &result) == IMAGEMINT_OK);
    CHECK(same(imagemint_result_format(result), "png"));
    imagemint_result_free(result);
    result = NULL;
    CHECK(imagemint_process(png, len, options, NULL, &result) == IMAGEMINT_MODEL);
    CHECK(has(imagemint_last_error_message(), "imagemint_mask_model_load"));

    imagemint_options_free(options);
    imagemint_mask_model_free(model);
    free(png);
}

static void bad_input_and_options(void) {
    size_t len;
    unsigned char *png = read_file("chelsea.png", &len);
    imagemint_result *result = NULL;
    CHECK(imagemint_process(png, len / 2, NULL, NULL, &result) == IMAGEMINT_DECODE);
    CHECK(result == NULL);
    CHECK(has(imagemint_last_error_message(), "PNG"));
    const char text[] = "not an image at all";
    CHECK(imagemint_process((const uint8_t *)text, sizeof text, NULL, NULL, &result) ==
          IMAGEMINT_UNSUPPORTED_FORMAT);
    CHECK(imagemint_process(png, 0, NULL, NULL, &result) == IMAGEMINT_UNSUPPORTED_FORMAT);
    CHECK(imagemint_process_file("/no/such/file.jpg", NULL, NULL, &result) == IMAGEMINT_IO);

    imagemint_options *options = NULL;
    CHECK(imagemint_options_from_json("{\"encode\": {\"quality\": 900}}", &options) ==
          IMAGEMINT_INVALID_OPTIONS);
    CHECK(options == NULL);
    CHECK(has(imagemint_last_error_message(), "encode.quality"));
    CHECK(imagemint_options_from_json("{\"decode\": {\"limits\": {\"maxPixels\": 1000}}}", &options) ==
          IMAGEMINT_OK);
    CHECK(imagemint_process(png, len, options, NULL, &result) == IMAGEMINT_LIMITS_EXCEEDED);
    CHECK(imagemint_options_set_quality(options, 101) == IMAGEMINT_INVALID_OPTIONS);
    CHECK(imagemint_options_set_format(options, "gif") == IMAGEMINT_INVALID_OPTIONS);
    CHECK(imagemint_options_set_resize(options, 10, 10, "squash") == IMAGEMINT_INVALID_OPTIONS);
    imagemint_options_free(options);

    imagemint_mask_model *model = NULL;
    char path[4096];
    snprintf(path, sizeof path, "%s/chelsea.png", fixtures);
    CHECK(imagemint_mask_model_load(path, NULL, &model) == IMAGEMINT_MODEL);
    CHECK(model == NULL);
    free(png);
}

static void null_pointers_and_frees(void) {
    imagemint_result *result = NULL;
    CHECK(imagemint_process(NULL, 10, NULL, NULL, &result) == IMAGEMINT_NULL_ARGUMENT);
    CHECK(imagemint_process((const uint8_t *)"x", 1, NULL, NULL, NULL) == IMAGEMINT_NULL_ARGUMENT);
    CHECK(imagemint_process_file(NULL, NULL, NULL, &result) == IMAGEMINT_NULL_ARGUMENT);
    CHECK(imagemint_options_from_json(NULL, NULL) == IMAGEMINT_NULL_ARGUMENT);
    CHECK(imagemint_options_set_format(NULL, "png") == IMAGEMINT_NULL_ARGUMENT);
    imagemint_options *options = imagemint_options_new();
    CHECK(imagemint_options_set_format(options, NULL) == IMAGEMINT_NULL_ARGUMENT);
    CHECK(imagemint_options_set_metadata(options, NULL) == IMAGEMINT_NULL_ARGUMENT);
    CHECK(imagemint_options_set_resize(NULL, 10, 10, NULL) == IMAGEMINT_NULL_ARGUMENT);
    CHECK(imagemint_options_set_effort(NULL, 3) == IMAGEMINT_NULL_ARGUMENT);
    imagemint_options_free(options);
    CHECK(imagemint_mask_model_load(NULL, NULL, NULL) == IMAGEMINT_NULL_ARGUMENT);
    size_t len = 99;
    CHECK(imagemint_result_data(NULL, &len) == NULL && len == 0);
    CHECK(imagemint_result_format(NULL) == NULL);
    CHECK(imagemint_result_width(NULL) == 0);
    imagemint_options_free(NULL);
    imagemint_result_free(NULL);
    imagemint_mask_model_free(NULL);
}

struct job {
    const imagemint_options *options;
    const unsigned char *data;
    size_t len;
    size_t out_len;
    imagemint_status status;
};

static void *run(void *arg) {
    struct job *job = arg;
    imagemint_result *result = NULL;
    job->status = imagemint_process(job->data, job->len, job->options, NULL, &result);
    imagemint_result_data(result, &job->out_len);
    imagemint_result_free(result);
    return NULL;
}

static void threads(void) {
    size_t len;
    unsigned char *png = read_file("chelsea.png", &len);
    imagemint_options *options = imagemint_options_new();
    CHECK(imagemint_options_set_format(options, "jpeg") == IMAGEMINT_OK);
    struct job jobs[4];
    pthread_t ids[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (struct job){options, png, len, 0, IMAGEMINT_PANIC};
        CHECK(pthread_create(&ids[i], NULL, run, &jobs[i]) == 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(ids[i], NULL);
        CHECK(jobs[i].status == IMAGEMINT_OK);
        CHECK(jobs[i].out_len > 0 && jobs[i].out_len == jobs[0].out_len);
    }
    imagemint_options_free(options);
    free(png);
}

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s FIXTURES_DIR [U2NETP_MODEL]\n", argv[0]);
        return 2;
    }
    fixtures = argv[1];
    printf("libimagemint %s\n", imagemint_version());
    success();
    setters_and_pixels();
    if (argc == 3) {
        background_removal(argv[2]);
    }
    bad_input_and_options();
    null_pointers_and_frees();
    threads();
    if (failures) {
        fprintf(stderr, "%d checks failed\n", failures);
        return 1;
    }
    printf("all checks passed\n");
    return 0;
}
