//! One HAR entry as the analysis reads it: method, URL split into scheme, path and
//! decoded query, both content types, and both bodies decoded (base64 where the entry
//! says so). An entry that cannot be read this way is an ignored entry with a reason,
//! never an error of the whole file.

use std::collections::BTreeMap;

use swivel_reference_server::har::{Entry, header};

/// An exchange ready to classify.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exchange {
    /// Position in the file (0-based).
    pub index: usize,
    /// Upper-case method.
    pub method: String,
    /// `http` or `https`.
    pub scheme: String,
    /// The path, percent-encoded as sent.
    pub path: String,
    /// Query parameters, decoded, in order.
    pub query: Vec<(String, String)>,
    /// The request's `Content-Type` (empty when none).
    pub request_type: String,
    /// The request body.
    pub request_body: Vec<u8>,
    /// Form fields of an urlencoded request body.
    pub form: Vec<(String, String)>,
    /// HTTP status (0: no response).
    pub status: u16,
    /// The response body.
    pub reply_body: Vec<u8>,
}

impl Exchange {
    /// Whether a server answered at this path (neither "no such resource" nor "wrong
    /// method" nor no response at all).
    pub fn answered(&self) -> bool {
        !matches!(self.status, 0 | 404 | 405)
    }

    /// The request body as text, if it is UTF-8.
    pub fn request_text(&self) -> Option<&str> {
        std::str::from_utf8(&self.request_body).ok()
    }

    /// The reply body as text, if it is UTF-8.
    pub fn reply_text(&self) -> Option<&str> {
        std::str::from_utf8(&self.reply_body).ok()
    }
}

/// Why an entry was not analysed.
pub type Ignored = &'static str;

/// Reads every entry; the unreadable ones are counted by reason.
pub fn read_all(entries: &[Entry]) -> (Vec<Exchange>, BTreeMap<Ignored, usize>) {
    let mut exchanges = Vec::new();
    let mut ignored = BTreeMap::new();
    for (index, entry) in entries.iter().enumerate() {
        match read(index, entry) {
            Ok(ex) => exchanges.push(ex),
            Err(reason) => *ignored.entry(reason).or_insert(0) += 1,
        }
    }
    (exchanges, ignored)
}

fn read(index: usize, entry: &Entry) -> Result<Exchange, Ignored> {
    let url = reqwest::Url::parse(&entry.request.url).map_err(|_| "URL not readable")?;
    let scheme = url.scheme().to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err("not HTTP");
    }
    let mut query: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if query.is_empty() {
        query = entry
            .request
            .query_string
            .iter()
            .map(|q| (q.name.clone(), q.value.clone()))
            .collect();
    }
    let (request_type, request_body, mut form) = match &entry.request.post_data {
        Some(post) => {
            let body = post.bytes().map_err(|_| "body marked base64 is not")?;
            let form = post
                .params
                .iter()
                .map(|p| (p.name.clone(), p.value.clone()))
                .collect::<Vec<_>>();
            let mime = if post.mime_type.is_empty() {
                header(&entry.request.headers, "content-type")
                    .unwrap_or_default()
                    .to_string()
            } else {
                post.mime_type.clone()
            };
            (mime, body, form)
        }
        None => (
            header(&entry.request.headers, "content-type")
                .unwrap_or_default()
                .to_string(),
            Vec::new(),
            Vec::new(),
        ),
    };
    if form.is_empty() && request_type.starts_with("application/x-www-form-urlencoded") {
        form = serde_urlencoded::from_bytes(&request_body).unwrap_or_default();
    }
    let reply_body = entry
        .response
        .content
        .bytes()
        .map_err(|_| "body marked base64 is not")?;
    Ok(Exchange {
        index,
        method: entry.request.method.to_ascii_uppercase(),
        scheme,
        path: url.path().to_string(),
        query,
        request_type,
        request_body,
        form,
        status: entry.response.status,
        reply_body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use swivel_reference_server::har::Har;

    #[test]
    fn entries_read_with_base64_bodies_and_the_unreadable_counted() {
        let har: Har = serde_json::from_str(
            r#"{"log":{"entries":[
              {"request":{"method":"post","url":"https://h:8443/proxy/AgentXML?a=1%202",
                 "postData":{"mimeType":"application/xml","text":"PHgvPg==","encoding":"base64"}},
               "response":{"status":200,"content":{"text":"<y/>"}}},
              {"request":{"method":"GET","url":"ftp://h/x"},"response":{}},
              {"request":{"method":"GET","url":"not a url"},"response":{}},
              {"request":{"method":"GET","url":"http://h/x"},
               "response":{"content":{"text":"@@","encoding":"base64"}}}
            ]}}"#,
        )
        .unwrap();
        let (exchanges, ignored) = read_all(&har.log.entries);
        assert_eq!(exchanges.len(), 1);
        let ex = &exchanges[0];
        assert_eq!(
            (ex.method.as_str(), ex.path.as_str()),
            ("POST", "/proxy/AgentXML")
        );
        assert_eq!(ex.query, [("a".to_string(), "1 2".to_string())]);
        assert_eq!(ex.request_body, b"<x/>");
        assert_eq!(ex.reply_text(), Some("<y/>"));
        assert_eq!(ignored.values().sum::<usize>(), 3);
        assert_eq!(ignored.get("not HTTP"), Some(&1));
    }
}
