//! The fast path against the full parser: on the usual bodies it must answer, and on any
//! body it answers, its fields must be the full parser's.

use proptest::prelude::*;

use super::super::{DEFAULT_ROOT, RequestLimits, parse_full};
use super::*;

fn both(body: &str, limits: &RequestLimits) -> Option<SasRequest> {
    let fast = parse(body.as_bytes(), limits, DEFAULT_ROOT);
    if let Some(fast) = &fast {
        assert_eq!(
            parse_full(body.as_bytes(), limits, DEFAULT_ROOT).as_ref(),
            Ok(fast),
            "{body:?}"
        );
    }
    fast
}

#[test]
fn the_usual_bodies_take_the_fast_path() {
    let limits = RequestLimits::default();
    for body in [
        "<SASRequest><Version>3.6</Version><Action>SecurityStrings</Action><Id>0123456789abcdef0123456789abcdef</Id></SASRequest>",
        "<SASRequest><Version>3.6</Version><Action>provision</Action><Username>fresh0000001</Username><ProvisionCode>ABCDEFGHJK</ProvisionCode></SASRequest>",
        r#"<?xml version="1.0" encoding="UTF-8"?><SASRequest><Version>3.6</Version><Action>Provision</Action><Username>alice</Username><ProvisionCode>ABC</ProvisionCode><DeviceOS>iOS 17.2</DeviceOS></SASRequest>"#,
        "<SASRequest>\n  <Action> ping </Action>\n  <Password/>\n  <Empty></Empty>\n</SASRequest>\n",
    ] {
        assert!(both(body, &limits).is_some(), "{body}");
    }
    let request = both("<SASRequest><A>  x y\t</A><B/></SASRequest>", &limits);
    assert_eq!(request.as_ref().and_then(|r| r.get("A")), Some("x y"));
    assert_eq!(request.as_ref().and_then(|r| r.get("B")), Some(""));
}

#[test]
fn anything_else_is_left_to_the_full_parser() {
    let limits = RequestLimits::default();
    for body in [
        "",
        " <SASRequest/>",
        "<SASRequest/>",
        "\u{feff}<SASRequest><A>x</A></SASRequest>",
        "<?xml version=\"1.0\"?><SASRequest><A>x</A></SASRequest>",
        "<!DOCTYPE x><SASRequest><A>x</A></SASRequest>",
        "<SASRequest><A>x</A><A>y</A></SASRequest>",
        "<SASRequest><A>&amp;</A></SASRequest>",
        "<SASRequest><A>a > b</A></SASRequest>",
        "<SASRequest><A>a\r\nb</A></SASRequest>",
        "<SASRequest><A>é</A></SASRequest>",
        "<SASRequest><A a=\"1\">x</A></SASRequest>",
        "<SASRequest><A >x</A></SASRequest>",
        "<SASRequest><A>x</A ></SASRequest>",
        "<SASRequest><A>x</B></SASRequest>",
        "<SASRequest><A><B/></A></SASRequest>",
        "<SASRequest><1A>x</1A></SASRequest>",
        "<SASRequest><a:b>x</a:b></SASRequest>",
        "<SASRequest><A><![CDATA[x]]></A></SASRequest>",
        "<SASRequest><!-- c --><A>x</A></SASRequest>",
        "<SASRequest>stray<A>x</A></SASRequest>",
        "<SASRequest><A>x</A></SASRequest>x",
        "<SASRequest><A>x</A>",
        "<SASResponse><A>x</A></SASResponse>",
    ] {
        assert!(both(body, &limits).is_none(), "{body:?}");
    }
    let tight = RequestLimits {
        max_elements: 1,
        max_value_bytes: 3,
        ..RequestLimits::default()
    };
    assert!(both("<SASRequest><A>abc</A></SASRequest>", &tight).is_some());
    assert!(both("<SASRequest><A>abcd</A></SASRequest>", &tight).is_none());
    assert!(both("<SASRequest><A>a</A><B/></SASRequest>", &tight).is_none());
}

/// Pieces that make bodies near the fast path's shape, on both sides of its edges.
fn piece() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "<SASRequest>",
        "</SASRequest>",
        "<SASRequest/>",
        "<sasrequest>",
        "<A>",
        "</A>",
        "<A/>",
        "<A />",
        "<B>",
        "</B>",
        "<_x.y-z>",
        "</_x.y-z>",
        "<1a>",
        "<a:b>",
        "</a:b>",
        "x",
        " ",
        "\t",
        "\n",
        "\r",
        "\r\n",
        "v a l",
        "&amp;",
        "&",
        ">",
        "<",
        "é",
        "\u{0}",
        "\u{7f}",
        "<!-- c -->",
        "<![CDATA[q]]>",
        "<?pi x?>",
        "<!DOCTYPE d>",
        r#"<A b="c">"#,
        r#"<?xml version="1.0" encoding="UTF-8"?>"#,
        "]]>",
        "\u{feff}",
    ])
}

fn body() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec![
            "",
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            "<SASRequest>",
        ]),
        prop::collection::vec(piece(), 0..14),
    )
        .prop_map(|(lead, pieces)| {
            let mut body = String::from(lead);
            body.extend(pieces);
            body
        })
}

/// A well-formed body of simple children, then maybe cut or spliced.
fn near_valid() -> impl Strategy<Value = String> {
    let child = (
        prop::sample::select(vec!["A", "B", "Username", "Id", "_x.y-z", "a1"]),
        prop::sample::select(vec!["", "x", " pad ", "\tv\n", "a b", "&lt;", "é", "\r"]),
        any::<bool>(),
    );
    (
        prop::collection::vec(child, 0..6),
        any::<u16>(),
        prop::option::of(piece()),
    )
        .prop_map(|(children, at, splice)| {
            let mut body = String::from("<SASRequest>");
            for (name, text, empty) in children {
                if empty {
                    body.push_str(&format!("<{name}/>"));
                } else {
                    body.push_str(&format!("<{name}>{text}</{name}>"));
                }
            }
            body.push_str("</SASRequest>");
            if let Some(splice) = splice {
                let mut at = usize::from(at) % (body.len() + 1);
                while !body.is_char_boundary(at) {
                    at -= 1;
                }
                body.insert_str(at, splice);
            }
            body
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn fast_path_agrees_with_the_full_parser_on_pieces(body in body()) {
        both(&body, &RequestLimits::default());
    }

    #[test]
    fn fast_path_agrees_with_the_full_parser_near_valid(body in near_valid()) {
        let limits = RequestLimits { max_elements: 4, max_value_bytes: 3, ..RequestLimits::default() };
        both(&body, &limits);
        both(&body, &RequestLimits::default());
    }
}
