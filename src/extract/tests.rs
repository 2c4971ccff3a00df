//! Extraction tests: formats (`fixtures/formats/`), hostile inputs
//! (`fixtures/bad/`), and the shared sample corpus when present.

use super::*;

/// Records everything a visitor is told, with the contained-document path.
#[derive(Default)]
pub(crate) struct Collect {
    pub parts: Vec<(String, String, Location, Option<String>)>,
    pub left: Vec<(String, Outcome)>,
    stack: Vec<String>,
}

impl Visitor for Collect {
    fn text(&mut self, part: TextPart<'_>) {
        let path = self.stack.join("!/");
        self.parts.push((path, part.text.to_owned(), part.location, part.context.map(str::to_owned)));
    }
    fn enter(&mut self, name: &str) {
        self.stack.push(name.to_owned());
    }
    fn leave(&mut self, outcome: Outcome) {
        let path = self.stack.join("!/");
        self.stack.pop();
        self.left.push((path, outcome));
    }
}

impl Collect {
    pub fn all_text(&self) -> String {
        self.parts.iter().map(|p| p.1.as_str()).collect::<Vec<_>>().join("\n")
    }
}

pub(crate) fn run_bytes(name: &str, bytes: &[u8]) -> (Outcome, Collect) {
    let mut c = Collect::default();
    let o = extract_bytes(name, bytes, &ExtractConfig::default(), &mut c);
    (o, c)
}

#[test]
fn plain_text_utf8() {
    let (o, c) = run_bytes("a.txt", "hello\nworld ünïcode\n".as_bytes());
    assert_eq!(o, Outcome::Ok { notes: vec![] });
    assert_eq!(c.all_text(), "hello\nworld ünïcode\n");
}
