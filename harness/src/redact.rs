//! Keeps secrets out of everything meant for sharing. A [`Redactor`] learns each secret
//! value as a case meets it (provision codes, device ids, strings, OTCs, PINs, the agent
//! secret, the control token) and replaces every occurrence with a placeholder such as
//! `[code]`; the contents of secret-bearing XML elements are masked even when the value
//! was never seen (a server that leaks something unexpected must not leak it further).

/// What a secret is, named in its placeholder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    /// A provision code.
    Code,
    /// A device id.
    DeviceId,
    /// A security string.
    String,
    /// A one-time code.
    Otc,
    /// A PIN.
    Pin,
    /// The agent secret or the control token.
    Credential,
    /// A provision URL (it carries a code).
    Url,
}

impl SecretKind {
    fn placeholder(self) -> &'static str {
        match self {
            SecretKind::Code => "[code]",
            SecretKind::DeviceId => "[device-id]",
            SecretKind::String => "[string]",
            SecretKind::Otc => "[otc]",
            SecretKind::Pin => "[pin]",
            SecretKind::Credential => "[secret]",
            SecretKind::Url => "[provision-url]",
        }
    }
}

/// XML elements whose content is always a secret, and the placeholder for it.
const SECRET_ELEMENTS: &[(&str, SecretKind)] = &[
    ("ProvisionCode", SecretKind::Code),
    ("SecurityStrings", SecretKind::String),
    ("OTC", SecretKind::Otc),
    ("Secret", SecretKind::Credential),
    ("Password", SecretKind::Credential),
];

/// Values shorter than this are not redacted by value (a 1-character "secret" would
/// shred every text); element masking still covers them.
const MIN_SECRET_LEN: usize = 4;

/// The secrets one case has met.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<(String, SecretKind)>,
}

impl Redactor {
    /// An empty redactor.
    pub fn new() -> Self {
        Self::default()
    }

    /// Learns a secret value.
    pub fn learn(&mut self, value: &str, kind: SecretKind) {
        let value = value.trim();
        if value.len() >= MIN_SECRET_LEN && !self.secrets.iter().any(|(s, _)| s == value) {
            self.secrets.push((value.to_string(), kind));
            // Longest first, so a URL holding a code is replaced whole, not around it.
            self.secrets.sort_by_key(|s| std::cmp::Reverse(s.0.len()));
        }
    }

    /// Replaces every known secret and masks secret XML elements and `<Id>` in replies.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (secret, kind) in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), kind.placeholder());
            }
        }
        for (element, kind) in SECRET_ELEMENTS {
            out = mask_element(&out, element, kind.placeholder());
        }
        out
    }
}

/// Replaces the content of every `<name>…</name>` with `placeholder` (empty elements stay).
fn mask_element(text: &str, name: &str, placeholder: &str) -> String {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(&open) {
        let content_start = start + open.len();
        let Some(len) = rest[content_start..].find(&close) else {
            break;
        };
        out.push_str(&rest[..content_start]);
        if len > 0 {
            out.push_str(placeholder);
        }
        out.push_str(&close);
        rest = &rest[content_start + len + close.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_are_replaced_everywhere() {
        let mut r = Redactor::new();
        r.learn("ABCD123456", SecretKind::Code);
        r.learn("0123456789abcdef0123456789abcdef", SecretKind::DeviceId);
        let text = "code ABCD123456 for <Id>0123456789abcdef0123456789abcdef</Id> ABCD123456";
        assert_eq!(
            r.redact(text),
            "code [code] for <Id>[device-id]</Id> [code]"
        );
    }

    #[test]
    fn secret_elements_are_masked_even_when_unknown() {
        let r = Redactor::new();
        let xml = "<SASRequest><ProvisionCode>XYZ</ProvisionCode><OTC>162007</OTC><Secret>s</Secret><Password/></SASRequest>";
        assert_eq!(
            r.redact(xml),
            "<SASRequest><ProvisionCode>[code]</ProvisionCode><OTC>[otc]</OTC><Secret>[secret]</Secret><Password/></SASRequest>"
        );
        assert_eq!(
            r.redact("<SecurityStrings>123;456</SecurityStrings>"),
            "<SecurityStrings>[string]</SecurityStrings>"
        );
    }

    #[test]
    fn longest_secret_wins() {
        let mut r = Redactor::new();
        r.learn("CODE1234", SecretKind::Code);
        r.learn("http://x/complete/S/u/CODE1234", SecretKind::Url);
        assert_eq!(
            r.redact("open http://x/complete/S/u/CODE1234 now"),
            "open [provision-url] now"
        );
    }

    #[test]
    fn short_values_are_not_redacted_by_value() {
        let mut r = Redactor::new();
        r.learn("12", SecretKind::Pin);
        assert_eq!(r.redact("index 12"), "index 12");
    }

    #[test]
    fn unterminated_element_is_left_alone() {
        let r = Redactor::new();
        assert_eq!(r.redact("<OTC>1234"), "<OTC>1234");
    }
}
