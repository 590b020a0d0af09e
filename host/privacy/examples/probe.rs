use mxr_privacy::detect::{Detector, PatternDetector};
fn main() {
    let texts = std::env::args().skip(1).collect::<Vec<_>>();
    for t in texts {
        let t = t.replace("\\n", "\n");
        let spans = PatternDetector.detect(&t);
        let shown: Vec<String> = spans.iter().map(|s| format!("{:?}:{}", s.kind, &t[s.range.clone()])).collect();
        println!("{t:?} => {shown:?}");
    }
}
