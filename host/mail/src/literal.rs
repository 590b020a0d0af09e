//! Address literals (RFC 5321 §4.1.3): `[192.0.2.1]` and `[IPv6:2001:db8::1]`, the
//! IPv6 tag in any case (it is an ABNF string). One reading for the SMTP parser, which
//! accepts them, and the privacy views, which show a HELO literal as its network.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The IP of an address literal; `None` for anything else (an untagged IPv6 address
/// in brackets is not a literal).
pub fn address_literal_ip(s: &str) -> Option<IpAddr> {
    let inner = s.strip_prefix('[')?.strip_suffix(']')?;
    if let Ok(v4) = inner.parse::<Ipv4Addr>() {
        return Some(IpAddr::V4(v4));
    }
    let tag = inner.get(..5).filter(|tag| tag.eq_ignore_ascii_case("IPv6:"))?;
    inner[tag.len()..].parse::<Ipv6Addr>().ok().map(IpAddr::V6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_and_what_is_not_one() {
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        let cases = [
            ("[192.0.2.1]", Some("192.0.2.1".parse().unwrap())),
            ("[IPv6:2001:db8::1]", Some(v6)),
            ("[ipv6:2001:db8::1]", Some(v6)),
            ("[2001:db8::1]", None),
            ("[IPv6:192.0.2.1]", None),
            ("[192.0.2.300]", None),
            ("192.0.2.1", None),
            ("[IPv6:]", None),
            ("[é]", None),
        ];
        for (s, want) in cases {
            assert_eq!(address_literal_ip(s), want, "{s}");
        }
    }
}
