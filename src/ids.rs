//! Random identifiers and keys, as the service shapes them.

/// Random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    if getrandom::fill(&mut bytes).is_err() {
        // No OS randomness is a broken machine; ids would collide and keys be guessable.
        panic!("the operating system's random number generator is unavailable");
    }
    bytes
}

/// A random (version 4) UUID in its usual text form.
pub fn uuid_v4() -> String {
    let mut b = random_bytes::<16>();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// A chat thread id: `19:<32 hex>@thread.v2`.
pub fn thread_id() -> String {
    let hex: String = random_bytes::<16>()
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect();
    format!("19:{hex}@thread.v2")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_service_shapes() {
        let u = uuid_v4();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        let t = thread_id();
        assert!(t.starts_with("19:") && t.ends_with("@thread.v2") && t.len() == 3 + 32 + 10);
        assert_ne!(thread_id(), thread_id());
    }
}
