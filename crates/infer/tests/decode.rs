//! The local-model runtime through the real `ort` and ONNX Runtime library, against an
//! independent reference: onnxruntime's own Python loop (scripts/reference_decode.py) on the same
//! tiny random-weight decoder, which the test builds itself (scripts/tiny_model.py).
//! Needs the Python environment of scripts/setup.sh (MEDPREF_PYTHON overrides it).
#![allow(clippy::unwrap_used)] // a test: a failed step panics with its reason

use medpref_infer::model::LocalModel;
use medpref_infer::runtime;
use medpref_infer::sampling::Sampling;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn python() -> PathBuf {
    std::env::var_os("MEDPREF_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").expect("HOME")).join(".cache/medpref/venv/bin/python"))
}

fn run_python(args: &[&str]) -> String {
    let out = Command::new(python()).args(args).output().expect("the Python of scripts/setup.sh runs");
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The tiny model (built once per test binary) and the runtime, loaded from the configured
/// library or else from the onnxruntime wheel in the same Python environment.
fn tiny_model() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let lib = match runtime::dylib_path() {
            Ok(p) => p,
            Err(_) => PathBuf::from(
                run_python(&["-c", "import glob, onnxruntime, os; print(glob.glob(os.path.join(os.path.dirname(onnxruntime.__file__), 'capi', 'libonnxruntime.so*'))[0])"])
                    .trim(),
            ),
        };
        runtime::init(&lib).expect("ONNX Runtime loads");
        let dir = tempfile::tempdir().unwrap();
        run_python(&[root().join("scripts/tiny_model.py").to_str().unwrap(), dir.path().to_str().unwrap()]);
        dir
    })
    .path()
}

/// (prompt ids, new ids) of onnxruntime's greedy loop; its new ids end with the eos if one came.
/// `no_cache`: the loop recomputes the whole sequence every step instead of using the KV cache.
fn reference(dir: &Path, text: &str, max_new: usize, no_cache: bool) -> (Vec<u32>, Vec<u32>) {
    let script = root().join("scripts/reference_decode.py");
    let max_new = max_new.to_string();
    let mut args = vec![script.to_str().unwrap(), dir.to_str().unwrap(), text, "--max-new", &max_new];
    if no_cache {
        args.push("--no-cache");
    }
    let out = run_python(&args);
    let json: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let ids = |k: &str| json[k].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as u32).collect();
    (ids("prompt_ids"), ids("new_ids"))
}

#[test]
fn greedy_decoding_gives_onnxruntime_pythons_tokens() {
    let dir = tiny_model();
    let mut model = LocalModel::open(dir, 1).unwrap();
    let eos: Vec<u32> = ["<|im_end|>", "<|endoftext|>"].iter().map(|t| model.encode(t).unwrap()[0]).collect();
    for text in
        ["感冒发烧了应该怎么办？", "<|im_start|>user\n胸痛伴大汗<|im_end|>\n<|im_start|>assistant\n", "Please answer"]
    {
        let (prompt, mut expected) = reference(dir, text, 40, false);
        assert_eq!(reference(dir, text, 40, true).1, expected, "{text}: the KV cache changes nothing");
        assert_eq!(model.encode(text).unwrap(), prompt, "{text}: same tokenizer");
        let got = model.generate(text, &Sampling::greedy(40), |_| true).unwrap();
        let ended = expected.last().is_some_and(|t| eos.contains(t));
        if ended {
            expected.pop();
        }
        assert_eq!(got.tokens.ids, expected, "{text}");
        assert_eq!(got.tokens.finished, ended);
        assert!(got.tokens.mean_logprob().is_none_or(|m| m < 0.0));
    }
}

#[test]
fn sampling_repeats_with_a_seed_streams_whole_characters_and_stops_on_strings() {
    let dir = tiny_model();
    let mut model = LocalModel::open(dir, 1).unwrap();
    let prompt = "<|im_start|>user\n孩子咳嗽一周了<|im_end|>\n<|im_start|>assistant\n";
    let sampling = |seed| Sampling { temperature: 0.9, top_k: 50, top_p: 0.95, max_new_tokens: 30, stop: vec![], seed };
    let mut pieces = Vec::new();
    let a = model
        .generate(prompt, &sampling(1), |p| {
            pieces.push(p.to_string());
            true
        })
        .unwrap();
    let again = model.generate(prompt, &sampling(1), |_| true).unwrap();
    assert_eq!((again.text, again.tokens.ids), (a.text.clone(), a.tokens.ids.clone()), "same seed, same answer");
    let others: Vec<_> =
        (2..6).map(|seed| model.generate(prompt, &sampling(seed), |_| true).unwrap().tokens.ids).collect();
    assert!(others.iter().any(|o| *o != a.tokens.ids), "other seeds, other answers");
    assert_eq!(pieces.concat(), a.text, "the streamed pieces make the answer");

    // A stop string ends the answer and is not kept.
    let cut: String = a.text.chars().skip(3).take(2).collect();
    if !cut.is_empty() {
        let mut streamed = String::new();
        let stopped = model
            .generate(prompt, &Sampling { stop: vec![cut.clone()], ..sampling(1) }, |p| {
                streamed.push_str(p);
                true
            })
            .unwrap();
        assert_eq!(stopped.stopped_by.as_deref(), Some(cut.as_str()));
        assert_eq!(streamed, stopped.text, "no part of the stop string was streamed");
        assert!(a.text.starts_with(&stopped.text) && !stopped.text.contains(&cut), "{:?} / {:?}", stopped.text, a.text);
    }
    // The caller can stop it.
    let mut n = 0;
    let short = model.generate(prompt, &sampling(1), |_| {
        n += 1;
        n < 3
    });
    assert!(short.unwrap().tokens.ids.len() <= a.tokens.ids.len());
}

#[test]
fn a_directory_without_the_layout_is_refused_with_the_reason() {
    let dir = tiny_model();
    let empty = tempfile::tempdir().unwrap();
    let err = LocalModel::open(empty.path(), 1).err().unwrap();
    assert!(err.contains("tokenizer.json"), "{err}");
    let partial = tempfile::tempdir().unwrap();
    std::fs::copy(dir.join("tokenizer.json"), partial.path().join("tokenizer.json")).unwrap();
    std::fs::write(partial.path().join("generation_config.json"), r#"{"eos_token_id": "x"}"#).unwrap();
    let err = LocalModel::open(partial.path(), 1).err().unwrap();
    assert!(err.contains("eos_token_id"), "{err}");
    std::fs::write(partial.path().join("generation_config.json"), r#"{"eos_token_id": 2}"#).unwrap();
    let err = LocalModel::open(partial.path(), 1).err().unwrap();
    assert!(err.contains("no .onnx file"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_model_thread_serves_concurrent_requests_one_at_a_time_with_the_same_answers() {
    use medpref_infer::worker::{Event, Generator};
    let dir = tiny_model();
    let generator = std::sync::Arc::new(Generator::start(dir, 1).unwrap());
    assert_eq!(generator.model, dir.file_name().unwrap().to_string_lossy());
    let prompt = "<|im_start|>user\n高血压要注意什么？<|im_end|>\n<|im_start|>assistant\n".to_string();
    let direct = LocalModel::open(dir, 1).unwrap().generate(&prompt, &Sampling::greedy(24), |_| true).unwrap();
    let tasks: Vec<_> = (0..3)
        .map(|_| {
            let (g, p) = (generator.clone(), prompt.clone());
            tokio::spawn(async move { g.answer(p, Sampling::greedy(24)).await })
        })
        .collect();
    for t in tasks {
        let got = t.await.unwrap().unwrap();
        assert_eq!((got.text, got.tokens.ids), (direct.text.clone(), direct.tokens.ids.clone()));
    }
    // Streaming: pieces, then the whole answer.
    let mut events = generator.stream(prompt.clone(), Sampling::greedy(24));
    let mut streamed = String::new();
    loop {
        match events.recv().await.expect("the answer comes") {
            Event::Piece(p) => streamed.push_str(&p),
            Event::Done(done) => {
                assert_eq!(done.unwrap().text, streamed);
                break;
            }
        }
    }
    assert!(Generator::start(Path::new("/nonexistent"), 1).err().unwrap().contains("tokenizer.json"));
}

#[test]
fn reward_scores_equal_onnxruntime_pythons_and_decoders_are_not_taken_for_reward_models() {
    let decoder = tiny_model();
    let dir = tempfile::tempdir().unwrap();
    run_python(&[root().join("scripts/tiny_model.py").to_str().unwrap(), dir.path().to_str().unwrap(), "--reward"]);
    let reward = medpref_infer::reward::RewardModel::open(dir.path(), 1).unwrap();
    let texts =
        ["<|im_start|>user\n发烧三天怎么办？<|im_end|>\n<|im_start|>assistant\n多喝水，及时就医。", "胸痛", "a"];
    let mut scores = Vec::new();
    for text in texts {
        let out = run_python(&[
            root().join("scripts/reference_score.py").to_str().unwrap(),
            dir.path().to_str().unwrap(),
            text,
        ]);
        let expected = serde_json::from_str::<serde_json::Value>(out.trim()).unwrap()["score"].as_f64().unwrap();
        let score = reward.score(text).unwrap();
        assert!((score - expected).abs() < 1e-5, "{text}: medpref {score}, onnxruntime {expected}");
        scores.push(score);
    }
    assert!(scores[0] != scores[1], "different texts, different scores: {scores:?}");
    let refused = medpref_infer::reward::RewardModel::open(decoder, 1).err().unwrap();
    assert!(refused.contains("is this a decoder"), "{refused}");
}

#[test]
fn answers_end_where_the_models_context_does() {
    // The tiny model states 2,048 positions (model_config.json): a request for more new tokens
    // than fit ends at the context instead of failing inside ONNX Runtime.
    let mut model = LocalModel::open(tiny_model(), 1).unwrap();
    assert_eq!(model.context, Some(2048));
    let prompt = "感冒".repeat(400);
    let prompt_tokens = model.encode(&prompt).unwrap().len();
    assert!(prompt_tokens < 2048, "{prompt_tokens}");
    let mut s = Sampling::greedy(4096);
    s.temperature = 1.0;
    s.seed = 3;
    let eos_free = model.generate(&prompt, &s, |_| true).unwrap();
    assert!(eos_free.tokens.ids.len() + prompt_tokens <= 2048, "{} new", eos_free.tokens.ids.len());
    let too_long = model.generate(&"感冒".repeat(3000), &s, |_| true).unwrap_err();
    assert!(too_long.contains("reads at most 2048"), "{too_long}");
}
