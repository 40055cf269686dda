//! The exports called as C calls them.

use std::ffi::{CStr, CString};
use std::ptr::{null, null_mut};

use imagemint_core::Resize;

use super::*;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn last_error() -> String {
    let message = imagemint_last_error_message();
    assert!(!message.is_null(), "a failure leaves a message");
    // SAFETY: a live message of this thread.
    unsafe { CStr::from_ptr(message) }
        .to_string_lossy()
        .into_owned()
}

fn c(s: &str) -> CString {
    CString::new(s).unwrap()
}

/// Runs `imagemint_process`; the result handle on success.
fn process(
    data: &[u8],
    options: *const imagemint_options,
) -> Result<*mut imagemint_result, imagemint_status> {
    let mut out = null_mut();
    // SAFETY: a live slice and handles.
    match unsafe { imagemint_process(data.as_ptr(), data.len(), options, null(), &mut out) } {
        IMAGEMINT_OK => Ok(out),
        status => {
            assert!(out.is_null(), "no result on failure");
            Err(status)
        }
    }
}

#[test]
fn setters_and_process_make_a_resized_webp_with_a_report() {
    let options = imagemint_options_new();
    // SAFETY: live handles and NUL-terminated strings throughout.
    unsafe {
        assert_eq!(
            imagemint_options_set_format(options, c("webp").as_ptr()),
            IMAGEMINT_OK
        );
        assert_eq!(imagemint_options_set_quality(options, 70), IMAGEMINT_OK);
        assert_eq!(
            imagemint_options_set_resize(options, 200, 0, null()),
            IMAGEMINT_OK
        );
        assert_eq!(
            imagemint_options_set_metadata(options, c("strip").as_ptr()),
            IMAGEMINT_OK
        );
        assert!(
            imagemint_last_error_message().is_null(),
            "success clears the message"
        );
        let input = fixture("rocket.jpg");
        let result = process(&input, options).unwrap();
        let mut len = 0;
        let data = imagemint_result_data(result, &mut len);
        let bytes = std::slice::from_raw_parts(data, len);
        assert_eq!(&bytes[8..12], b"WEBP");
        assert_eq!(
            (
                imagemint_result_width(result),
                imagemint_result_height(result)
            ),
            (200, 133)
        );
        assert_eq!(
            CStr::from_ptr(imagemint_result_format(result)).to_str(),
            Ok("webp")
        );
        let report: serde_json::Value = serde_json::from_str(
            CStr::from_ptr(imagemint_result_report_json(result))
                .to_str()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(report["inputBytes"], input.len());
        assert_eq!(report["outputBytes"], len);
        assert_eq!(report["quality"], 70);
        // The same bytes as core gives for the same options.
        let mut o = Options::default();
        o.encode.format = Format::Webp;
        o.encode.quality = Some(70);
        o.encode.metadata = MetadataPolicy::Strip;
        o.transform.resize = Some(Resize::width(200));
        assert_eq!(bytes, imagemint_core::process(&input, &o).unwrap().data);
        imagemint_result_free(result);
        imagemint_options_free(options);
    }
}

#[test]
fn json_options_reach_every_option_and_name_bad_fields() {
    let mut options = null_mut();
    let json =
        c(r#"{"encode": {"format": "png"}, "transform": {"rotate": 90, "flipHorizontal": true}}"#);
    // SAFETY: as above.
    unsafe {
        assert_eq!(
            imagemint_options_from_json(json.as_ptr(), &mut options),
            IMAGEMINT_OK
        );
        let result = process(&fixture("chelsea.png"), options).unwrap();
        assert_eq!(
            (
                imagemint_result_width(result),
                imagemint_result_height(result)
            ),
            (300, 451)
        );
        imagemint_result_free(result);
        imagemint_options_free(options);

        let mut untouched = null_mut();
        for (json, field) in [
            (r#"{"encode": {"quality": 101}}"#, "encode.quality"),
            (r#"{"encode": {"qualty": 1}}"#, "encode.qualty"),
            ("{", "options"),
        ] {
            let status = imagemint_options_from_json(c(json).as_ptr(), &mut untouched);
            assert_eq!(status, IMAGEMINT_INVALID_OPTIONS, "{json}");
            assert!(untouched.is_null());
            assert!(last_error().contains(field), "{}", last_error());
        }
    }
}

#[test]
fn a_bad_setter_value_leaves_the_options_as_they_were() {
    let options = imagemint_options_new();
    // SAFETY: as above.
    unsafe {
        assert_eq!(imagemint_options_set_quality(options, 80), IMAGEMINT_OK);
        assert_eq!(
            imagemint_options_set_quality(options, 500),
            IMAGEMINT_INVALID_OPTIONS
        );
        assert!(last_error().contains("encode.quality"));
        assert_eq!(
            imagemint_options_set_effort(options, 11),
            IMAGEMINT_INVALID_OPTIONS
        );
        assert_eq!(
            imagemint_options_set_format(options, c("gif").as_ptr()),
            IMAGEMINT_INVALID_OPTIONS
        );
        assert!(last_error().contains("gif"), "{}", last_error());
        assert_eq!(
            imagemint_options_set_resize(options, 10, 10, c("squash").as_ptr()),
            IMAGEMINT_INVALID_OPTIONS
        );
        assert_eq!((*options).0.encode.quality, Some(80));
        assert_eq!((*options).0.transform.resize, None);
        imagemint_options_free(options);
    }
}

#[test]
fn bad_input_is_a_status_not_a_crash() {
    assert_eq!(
        process(b"just some text", null()).unwrap_err(),
        IMAGEMINT_UNSUPPORTED_FORMAT
    );
    assert_eq!(
        process(b"", null()).unwrap_err(),
        IMAGEMINT_UNSUPPORTED_FORMAT
    );
    let png = fixture("chelsea.png");
    assert_eq!(
        process(&png[..png.len() / 2], null()).unwrap_err(),
        IMAGEMINT_DECODE
    );
    assert!(last_error().contains("PNG"), "{}", last_error());
    let mut limits = null_mut();
    // SAFETY: as above.
    unsafe {
        let json = c(r#"{"decode": {"limits": {"maxPixels": 1000}}}"#);
        assert_eq!(
            imagemint_options_from_json(json.as_ptr(), &mut limits),
            IMAGEMINT_OK
        );
        assert_eq!(
            process(&png, limits).unwrap_err(),
            IMAGEMINT_LIMITS_EXCEEDED
        );
        imagemint_options_free(limits);
        let mut out = null_mut();
        let status =
            imagemint_process_file(c("/no/such/photo.jpg").as_ptr(), null(), null(), &mut out);
        assert_eq!(status, IMAGEMINT_IO);
        assert!(last_error().contains("/no/such/photo.jpg"));
        // Paths are bytes on Unix: not UTF-8 is fine, this one just does not exist.
        let invalid = [b'/', 0xffu8, 0xfe, 0];
        let status = imagemint_process_file(invalid.as_ptr().cast(), null(), null(), &mut out);
        assert_eq!(status, IMAGEMINT_IO);
        let invalid = [0xffu8, 0];
        let options = imagemint_options_new();
        let status = imagemint_options_set_format(options, invalid.as_ptr().cast());
        assert_eq!(status, IMAGEMINT_INVALID_UTF8);
        imagemint_options_free(options);
    }
}

#[test]
fn null_pointers_are_refused_and_null_frees_are_no_ops() {
    let mut out = null_mut();
    let mut model = null_mut();
    // SAFETY: NULL where the API allows it, or where it must be refused.
    unsafe {
        assert_eq!(
            imagemint_process(null(), 10, null(), null(), &mut out),
            IMAGEMINT_NULL_ARGUMENT
        );
        // A length no buffer can have is refused before any slice is made of it.
        let byte = 0u8;
        let status = imagemint_process(&byte, usize::MAX, null(), null(), &mut out);
        assert_eq!(status, IMAGEMINT_INVALID_ARGUMENT);
        let png = fixture("chelsea.png");
        assert_eq!(
            imagemint_process(png.as_ptr(), png.len(), null(), null(), null_mut()),
            IMAGEMINT_NULL_ARGUMENT
        );
        assert!(last_error().contains("out"));
        assert_eq!(
            imagemint_options_from_json(null(), &mut null_mut()),
            IMAGEMINT_NULL_ARGUMENT
        );
        assert_eq!(
            imagemint_options_set_format(null_mut(), c("png").as_ptr()),
            IMAGEMINT_NULL_ARGUMENT
        );
        assert_eq!(
            imagemint_options_set_quality(null_mut(), 50),
            IMAGEMINT_NULL_ARGUMENT
        );
        assert_eq!(
            imagemint_mask_model_load(null(), null(), &mut model),
            IMAGEMINT_NULL_ARGUMENT
        );
        assert_eq!(
            imagemint_process_file(null(), null(), null(), &mut out),
            IMAGEMINT_NULL_ARGUMENT
        );
        let mut len = 7;
        assert!(imagemint_result_data(null(), &mut len).is_null());
        assert_eq!(len, 0);
        assert!(imagemint_result_format(null()).is_null());
        assert!(imagemint_result_report_json(null()).is_null());
        assert_eq!(imagemint_result_width(null()), 0);
        imagemint_options_free(null_mut());
        imagemint_result_free(null_mut());
        imagemint_mask_model_free(null_mut());
    }
}

#[test]
fn setters_take_their_defaults_back() {
    let options = imagemint_options_new();
    // SAFETY: a live handle.
    unsafe {
        let json = c(r#"{"transform": {"resize": {"width": 10, "enlarge": true}}}"#);
        let mut from_json = null_mut();
        assert_eq!(
            imagemint_options_from_json(json.as_ptr(), &mut from_json),
            IMAGEMINT_OK
        );
        assert_eq!(
            imagemint_options_set_resize(from_json, 50, 40, c("cover").as_ptr()),
            IMAGEMINT_OK
        );
        let resize = (*from_json).0.transform.resize.unwrap();
        assert!(
            resize.enlarge,
            "what JSON set and the setter does not touch stays"
        );
        assert_eq!(
            (resize.width, resize.height, resize.fit),
            (Some(50), Some(40), Fit::Cover)
        );
        imagemint_options_free(from_json);

        assert_eq!(imagemint_options_set_quality(options, 60), IMAGEMINT_OK);
        assert_eq!(imagemint_options_set_quality(options, -1), IMAGEMINT_OK);
        assert_eq!((*options).0.encode.quality, None);
        assert_eq!(imagemint_options_set_effort(options, 3), IMAGEMINT_OK);
        assert_eq!((*options).0.encode.effort, Effort::new(3));
        assert_eq!(
            imagemint_options_set_resize(options, 100, 0, null()),
            IMAGEMINT_OK
        );
        assert_eq!(
            imagemint_options_set_resize(options, 0, 0, null()),
            IMAGEMINT_OK
        );
        assert_eq!((*options).0.transform.resize, None);
        assert_eq!(
            imagemint_options_set_quality(options, 100_000),
            IMAGEMINT_INVALID_OPTIONS
        );
        assert!(last_error().contains("100000"), "{}", last_error());
        imagemint_options_free(options);
    }
}

#[test]
fn each_thread_has_its_own_last_error() {
    assert_eq!(
        process(b"not an image", null()).unwrap_err(),
        IMAGEMINT_UNSUPPORTED_FORMAT
    );
    let mine = last_error();
    std::thread::spawn(|| {
        let result = process(&fixture("chelsea.png"), null()).unwrap();
        assert!(imagemint_last_error_message().is_null());
        // SAFETY: a live result.
        unsafe { imagemint_result_free(result) };
    })
    .join()
    .unwrap();
    assert_eq!(
        last_error(),
        mine,
        "another thread's success leaves this one's message"
    );
}

#[test]
fn files_that_are_not_regular_files_are_refused_before_reading() {
    let mut out = null_mut();
    // SAFETY: valid strings and out-parameter.
    unsafe {
        let status = imagemint_process_file(c("/dev/zero").as_ptr(), null(), null(), &mut out);
        assert_eq!(status, IMAGEMINT_INVALID_ARGUMENT);
        let status = imagemint_process_file(c("/tmp").as_ptr(), null(), null(), &mut out);
        assert_eq!(status, IMAGEMINT_INVALID_ARGUMENT);
    }
    assert!(out.is_null());
}

#[test]
fn a_panic_becomes_a_status() {
    let status = guard(|| panic!("deliberately"));
    assert_eq!(status, IMAGEMINT_PANIC);
    assert!(last_error().contains("deliberately"));
}

#[test]
fn bad_models_are_model_errors() {
    let mut model = null_mut();
    let png = format!(
        "{}/../tests/fixtures/chelsea.png",
        env!("CARGO_MANIFEST_DIR")
    );
    // SAFETY: as above.
    unsafe {
        assert_eq!(
            imagemint_mask_model_load(c(&png).as_ptr(), null(), &mut model),
            IMAGEMINT_MODEL
        );
        assert!(model.is_null());
        let status =
            imagemint_mask_model_load(c(&png).as_ptr(), c("no-such-spec").as_ptr(), &mut model);
        assert_eq!(status, IMAGEMINT_INVALID_OPTIONS);
    }
    // The mask stage without a model.
    let mut options = null_mut();
    // SAFETY: as above.
    unsafe {
        assert_eq!(
            imagemint_options_from_json(c(r#"{"mask": {}}"#).as_ptr(), &mut options),
            IMAGEMINT_OK
        );
        assert_eq!(
            process(&fixture("chelsea.png"), options).unwrap_err(),
            IMAGEMINT_MODEL
        );
        imagemint_options_free(options);
    }
}

#[test]
fn one_model_and_one_options_serve_several_threads() {
    let dir = std::env::var_os("IMAGEMINT_MODEL_DIR").map_or_else(
        || {
            std::path::PathBuf::from(std::env::var_os("HOME").unwrap())
                .join(".cache/imagemint/models")
        },
        std::path::PathBuf::from,
    );
    let path = c(dir.join("u2netp.onnx").to_str().unwrap());
    let (mut model, mut options) = (null_mut(), null_mut());
    // SAFETY: as above.
    unsafe {
        let status = imagemint_mask_model_load(path.as_ptr(), c("u2netp").as_ptr(), &mut model);
        assert_eq!(
            status,
            IMAGEMINT_OK,
            "{} (bash scripts/fetch-model.sh u2netp)",
            last_error()
        );
        let json = c(r#"{"encode": {"format": "png", "effort": 1}}"#);
        assert_eq!(
            imagemint_options_from_json(json.as_ptr(), &mut options),
            IMAGEMINT_OK
        );
    }
    // Raw pointers are not Send; their addresses are.
    let (model_addr, options_addr) = (model as usize, options as usize);
    let input = fixture("chelsea.png");
    let outputs: Vec<Vec<u8>> = std::thread::scope(|s| {
        let runs: Vec<_> = (0..3)
            .map(|_| {
                s.spawn(|| {
                    let mut out = null_mut();
                    // SAFETY: the handles outlive the scope and are only read.
                    unsafe {
                        let status = imagemint_process(
                            input.as_ptr(),
                            input.len(),
                            options_addr as *const imagemint_options,
                            model_addr as *const imagemint_mask_model,
                            &mut out,
                        );
                        assert_eq!(status, IMAGEMINT_OK);
                        let mut len = 0;
                        let data = imagemint_result_data(out, &mut len);
                        let bytes = std::slice::from_raw_parts(data, len).to_vec();
                        imagemint_result_free(out);
                        bytes
                    }
                })
            })
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    assert!(outputs.iter().all(|o| o == &outputs[0]));
    let decoded = imagemint_core::decode(&outputs[0], &Default::default()).unwrap();
    assert!(decoded.has_alpha(), "a cutout");
    // SAFETY: live handles, given up.
    unsafe {
        imagemint_mask_model_free(model);
        imagemint_options_free(options);
    }
}

/// Every leaf of `value` with its JSON pointer, objects entered.
fn leaves(value: &serde_json::Value, path: String, out: &mut Vec<(String, serde_json::Value)>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                leaves(v, format!("{path}/{key}"), out);
            }
        }
        leaf => out.push((path, leaf.clone())),
    }
}

#[test]
fn the_setters_reach_every_option() {
    // The defaults with every optional section present, so that each of their fields is
    // a leaf: a setter must change every one of them.
    let mut expanded = Options::default();
    expanded.transform.crop = Some(Rect::default());
    expanded.transform.resize = Some(Resize::default());
    expanded.mask = Some(MaskOptions::default());
    let mut defaults = Vec::new();
    leaves(
        &serde_json::to_value(&expanded).unwrap(),
        String::new(),
        &mut defaults,
    );

    let options = imagemint_options_new();
    // SAFETY: a live handle and NUL-terminated strings.
    let set = unsafe {
        let ok = |status| assert_eq!(status, IMAGEMINT_OK, "{}", last_error());
        ok(imagemint_options_set_limits(
            options,
            4000,
            3000,
            5_000_000,
            100 << 20,
        ));
        ok(imagemint_options_set_auto_orient(options, 0));
        ok(imagemint_options_set_crop(options, 1, 2, 30, 40));
        ok(imagemint_options_set_rotate(options, 270));
        ok(imagemint_options_set_flip(options, 1, 2));
        ok(imagemint_options_set_resize(
            options,
            20,
            10,
            c("fill").as_ptr(),
        ));
        ok(imagemint_options_set_resize_filter(
            options,
            c("nearest").as_ptr(),
        ));
        ok(imagemint_options_set_resize_enlarge(options, 1));
        ok(imagemint_options_set_mask(options, c("maskOnly").as_ptr()));
        ok(imagemint_options_set_mask_crop(options, -1, 8));
        ok(imagemint_options_set_mask_threshold(options, 0.5));
        ok(imagemint_options_set_mask_refine_edges(options, 1));
        ok(imagemint_options_set_format(options, c("jpeg").as_ptr()));
        ok(imagemint_options_set_quality(options, 55));
        ok(imagemint_options_set_effort(options, 9));
        ok(imagemint_options_set_metadata(options, c("keep").as_ptr()));
        ok(imagemint_options_set_background(options, 1, 2, 3));
        ok(imagemint_options_set_jpeg(options, 0, c("4:4:4").as_ptr()));
        ok(imagemint_options_set_webp(options, 1, 50));
        ok(imagemint_options_set_avif(options, 40));
        let set = (*options).0.clone();
        imagemint_options_free(options);
        set
    };
    let value = serde_json::to_value(&set).unwrap();
    for (path, default) in &defaults {
        let now = value.pointer(path);
        assert!(
            now.is_some_and(|v| v != default),
            "no setter changes {path} (still {now:?})"
        );
    }
    // And the values are the ones given.
    let expected = r##"{
        "decode": {"limits": {"maxWidth": 4000, "maxHeight": 3000, "maxPixels": 5000000,
                              "maxAlloc": 104857600},
                   "autoOrient": false},
        "transform": {"crop": {"x": 1, "y": 2, "width": 30, "height": 40}, "rotate": 270,
                      "flipHorizontal": true, "flipVertical": true,
                      "resize": {"width": 20, "height": 10, "fit": "fill",
                                 "filter": "nearest", "enlarge": true}},
        "mask": {"output": "maskOnly", "cropToSubject": true, "padding": 8, "threshold": 0.5,
                 "refineEdges": true},
        "encode": {"format": "jpeg", "quality": 55, "effort": 9, "metadata": "keep",
                   "background": "#010203",
                   "jpeg": {"progressive": false, "chromaSubsampling": "4:4:4"},
                   "webp": {"lossless": true, "alphaQuality": 50},
                   "avif": {"alphaQuality": 40}}
    }"##;
    assert_eq!(set, imagemint_core::from_json::<Options>(expected).unwrap());
}

#[test]
fn the_new_setters_refuse_bad_values_and_take_defaults_back() {
    let options = imagemint_options_new();
    // SAFETY: a live handle and NUL-terminated strings.
    unsafe {
        let refused = |status, field: &str| {
            assert_eq!(status, IMAGEMINT_INVALID_OPTIONS);
            assert!(last_error().contains(field), "{field}: {}", last_error());
        };
        refused(imagemint_options_set_rotate(options, 45), "rotation");
        refused(
            imagemint_options_set_resize_filter(options, c("nearest").as_ptr()),
            "imagemint_options_set_resize first",
        );
        refused(
            imagemint_options_set_resize_enlarge(options, 1),
            "transform.resize",
        );
        refused(
            imagemint_options_set_mask(options, c("blur").as_ptr()),
            "mask.output",
        );
        refused(
            imagemint_options_set_mask_blur(options, 0),
            "mask.output.blur",
        );
        refused(
            imagemint_options_set_mask_threshold(options, 1.5),
            "mask.threshold",
        );
        refused(
            imagemint_options_set_mask_threshold(options, f32::NAN),
            "mask.threshold",
        );
        refused(
            imagemint_options_set_webp(options, 0, 0),
            "encode.webp.alphaQuality",
        );
        refused(
            imagemint_options_set_avif(options, 300),
            "encode.avif.alphaQuality",
        );
        refused(
            imagemint_options_set_jpeg(options, 1, c("4:1:1").as_ptr()),
            "encode.jpeg.chromaSubsampling",
        );
        assert_eq!(
            (*options).0,
            Options::default(),
            "refused values change nothing"
        );

        // 0 keeps a limit; a crop of 0×0 and a NULL mask output remove them.
        assert_eq!(
            imagemint_options_set_limits(options, 0, 99, 0, 0),
            IMAGEMINT_OK
        );
        let limits = &(*options).0.decode.limits;
        assert_eq!((limits.max_width, limits.max_height), (65_535, 99));
        assert_eq!(
            imagemint_options_set_crop(options, 5, 5, 10, 10),
            IMAGEMINT_OK
        );
        assert_eq!(
            imagemint_options_set_crop(options, 0, 0, 0, 0),
            IMAGEMINT_OK
        );
        assert_eq!((*options).0.transform.crop, None);
        assert_eq!(
            imagemint_options_set_mask_threshold(options, 0.3),
            IMAGEMINT_OK
        );
        assert_eq!(
            imagemint_options_set_mask_threshold(options, 0.0),
            IMAGEMINT_OK
        );
        assert_eq!(
            (*options).0.mask.as_ref().unwrap().threshold,
            None,
            "0 is soft alpha"
        );
        let status = imagemint_options_set_mask_background(options, 0, 128, 255);
        assert_eq!(status, IMAGEMINT_OK);
        let blue = Rgb {
            r: 0,
            g: 128,
            b: 255,
        };
        assert_eq!(
            (*options).0.mask.as_ref().unwrap().output,
            MaskOutput::Background(blue)
        );
        assert_eq!(imagemint_options_set_mask_blur(options, 12), IMAGEMINT_OK);
        assert_eq!(
            (*options).0.mask.as_ref().unwrap().output,
            MaskOutput::Blur(12)
        );
        assert_eq!(imagemint_options_set_mask(options, null()), IMAGEMINT_OK);
        assert_eq!((*options).0.mask, None);
        assert_eq!(imagemint_options_set_webp(options, 0, 80), IMAGEMINT_OK);
        assert_eq!(imagemint_options_set_webp(options, 1, -1), IMAGEMINT_OK);
        assert_eq!(
            (*options).0.encode.webp.alpha_quality,
            100,
            "negative is the default"
        );
        assert_eq!(imagemint_options_set_avif(options, 30), IMAGEMINT_OK);
        assert_eq!(imagemint_options_set_avif(options, -1), IMAGEMINT_OK);
        assert_eq!((*options).0.encode.avif.alpha_quality, None);
        imagemint_options_free(options);
    }
}

#[test]
fn presets_by_name() {
    let mut options = null_mut();
    // SAFETY: NUL-terminated strings and a writable out-parameter.
    unsafe {
        assert_eq!(
            imagemint_options_from_preset(c("web").as_ptr(), &mut options),
            IMAGEMINT_OK
        );
        assert_eq!((*options).0, Options::web());
        imagemint_options_free(options);
        options = null_mut();
        assert_eq!(
            imagemint_options_from_preset(c("fastest").as_ptr(), &mut options),
            IMAGEMINT_INVALID_OPTIONS
        );
        assert!(options.is_null());
        assert!(last_error().contains("fastest"), "{}", last_error());
    }
}

/// Runs `imagemint_process_pixels`; the result handle on success.
fn process_pixels(
    pixels: &[u8],
    (width, height, stride, channels): (u32, u32, usize, u32),
    options: *const imagemint_options,
) -> Result<*mut imagemint_result, imagemint_status> {
    let mut out = null_mut();
    // SAFETY: the callers give a slice as long as the shape needs (or test that it is
    // refused before it is read).
    let status = unsafe {
        imagemint_process_pixels(
            pixels.as_ptr(),
            width,
            height,
            stride,
            channels,
            options,
            null(),
            &mut out,
        )
    };
    match status {
        IMAGEMINT_OK => Ok(out),
        status => {
            assert!(out.is_null());
            Err(status)
        }
    }
}

#[test]
fn pixels_with_padded_rows_come_out_as_they_went_in() {
    let photo = imagemint_core::decode(&fixture("chelsea.png"), &Default::default()).unwrap();
    let (width, height) = (photo.width(), photo.height());
    let options = imagemint_options_new();
    // SAFETY: a live handle and a NUL-terminated string.
    unsafe { imagemint_options_set_format(options, c("png").as_ptr()) };
    for (channels, pixels) in [(3u32, photo.to_rgb8()), (4, photo.to_rgba8())] {
        let encode = |pixels: &[u8], stride| {
            let result =
                process_pixels(pixels, (width, height, stride, channels), options).unwrap();
            // SAFETY: a live result, then given up.
            unsafe {
                let mut len = 0;
                let data = imagemint_result_data(result, &mut len);
                let report = CStr::from_ptr(imagemint_result_report_json(result));
                let report = report.to_str().unwrap();
                assert!(report.contains(r#""inputFormat":null"#), "{report}");
                let png = std::slice::from_raw_parts(data, len).to_vec();
                imagemint_result_free(result);
                png
            }
        };
        // Rows padded to a multiple of 64 bytes with junk, as many graphics APIs keep them;
        // exactly as long as the call may read (the last row has no padding).
        let row = width as usize * channels as usize;
        let stride = row.div_ceil(64) * 64;
        let mut padded = vec![0xa5u8; stride * (height as usize - 1) + row];
        for (y, source) in pixels.chunks_exact(row).enumerate() {
            padded[y * stride..][..row].copy_from_slice(source);
        }
        let png = encode(&padded, stride);
        let back = imagemint_core::decode(&png, &Default::default()).unwrap();
        match channels {
            3 => assert_eq!(back.to_rgb8(), pixels),
            _ => assert_eq!(back.to_rgba8(), pixels),
        }
        assert_eq!(
            encode(&pixels, 0),
            png,
            "packed rows (stride 0), the same file"
        );
    }
    // SAFETY: a live handle, given up.
    unsafe { imagemint_options_free(options) };
}

#[test]
fn bad_pixel_arguments_are_refused_before_reading() {
    // Long enough for every shape below, so that no refusal depends on the order of the
    // checks.
    let pixels = vec![0u8; 70_000 * 4];
    for (shape, status, says) in [
        ((64, 64, 0, 2), IMAGEMINT_INVALID_ARGUMENT, "channels"),
        ((0, 64, 0, 4), IMAGEMINT_INVALID_ARGUMENT, "0×64"),
        ((64, 64, 100, 4), IMAGEMINT_INVALID_ARGUMENT, "stride 100"),
        // A stride nothing can hold: refused without a read.
        (
            (64, 64, usize::MAX / 2, 4),
            IMAGEMINT_INVALID_ARGUMENT,
            "overflow",
        ),
        ((70_000, 1, 0, 4), IMAGEMINT_LIMITS_EXCEEDED, "maxWidth"),
    ] {
        assert_eq!(process_pixels(&pixels, shape, null()).unwrap_err(), status);
        assert!(last_error().contains(says), "{says}: {}", last_error());
    }
    let mut out = null_mut();
    // SAFETY: NULL pixels must be refused.
    let status = unsafe { imagemint_process_pixels(null(), 8, 8, 0, 3, null(), null(), &mut out) };
    assert_eq!(status, IMAGEMINT_NULL_ARGUMENT);
    // The limits of the options given.
    let options = imagemint_options_new();
    // SAFETY: a live handle.
    unsafe { imagemint_options_set_limits(options, 0, 0, 1000, 0) };
    assert_eq!(
        process_pixels(&pixels, (64, 64, 0, 4), options).unwrap_err(),
        IMAGEMINT_LIMITS_EXCEEDED
    );
    // A mask without a model says what to pass, in C's words.
    // SAFETY: live handles.
    unsafe {
        imagemint_options_set_limits(options, 0, 0, 1 << 20, 0);
        imagemint_options_set_mask(options, c("cutout").as_ptr());
    }
    assert_eq!(
        process_pixels(&pixels, (64, 64, 0, 4), options).unwrap_err(),
        IMAGEMINT_MODEL
    );
    assert!(
        last_error().contains("imagemint_mask_model_load"),
        "{}",
        last_error()
    );
    // SAFETY: a live handle, given up.
    unsafe { imagemint_options_free(options) };
}
