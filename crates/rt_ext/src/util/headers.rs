//! Header fields from JS (`[name, value]` pairs) into an `http::HeaderMap`.

use http::HeaderMap;
use http::HeaderName;
use http::HeaderValue;

/// A pair HTTP cannot carry: which part, and the name (lossy UTF-8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadField {
  /// The name is not a token.
  Name(String),
  /// The value holds a byte a field value may not (a newline, NUL).
  Value(String),
}

impl BadField {
  /// The field's name, whichever part was bad.
  pub fn into_name(self) -> String {
    match self {
      Self::Name(name) | Self::Value(name) => name,
    }
  }
}

/// Appends `pairs` to `map` in order, repeats kept; stops at the first
/// pair that is not a valid field.
pub fn append_pairs<N, V>(
  map: &mut HeaderMap,
  pairs: impl IntoIterator<Item = (N, V)>,
) -> Result<(), BadField>
where
  N: AsRef<[u8]>,
  V: AsRef<[u8]>,
{
  for (name, value) in pairs {
    let (name, value) = (name.as_ref(), value.as_ref());
    let name = HeaderName::from_bytes(name).map_err(|_| {
      BadField::Name(String::from_utf8_lossy(name).into_owned())
    })?;
    let value = HeaderValue::from_bytes(value)
      .map_err(|_| BadField::Value(name.to_string()))?;
    map.append(name, value);
  }
  Ok(())
}

/// `pairs` as a new map (see [`append_pairs`]).
pub fn from_pairs<N, V>(
  pairs: impl IntoIterator<Item = (N, V)>,
) -> Result<HeaderMap, BadField>
where
  N: AsRef<[u8]>,
  V: AsRef<[u8]>,
{
  let mut map = HeaderMap::new();
  append_pairs(&mut map, pairs)?;
  Ok(map)
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn pairs_keep_order_and_repeats_and_name_the_bad_field() {
    let map = from_pairs([("a", "1"), ("B", "2"), ("a", "3")]).expect("valid");
    let a: Vec<_> = map.get_all("a").iter().collect();
    assert_eq!(a, ["1", "3"]);
    assert_eq!(map["b"], "2");
    assert_eq!(
      from_pairs([("bad name", "x")]),
      Err(BadField::Name("bad name".into()))
    );
    assert_eq!(
      from_pairs([("x-ok", "line\nbreak")]),
      Err(BadField::Value("x-ok".into()))
    );
  }
}
