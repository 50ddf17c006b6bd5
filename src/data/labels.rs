//! ImageNet class names, extracted at set-up from the npm package `@tensorflow-models/mobilenet`.

use crate::model::IMAGENET_CLASSES;

#[derive(Debug, thiserror::Error)]
pub enum LabelsError {
    #[error("the ImageNet label file is not a JSON list of names: {0}")]
    Format(String),
    #[error("the ImageNet label file has {0} names, expected {IMAGENET_CLASSES}")]
    Count(usize),
}

/// Parse `imagenet_classes.json`: a JSON array of 1000 strings, index = class id.
pub fn parse_imagenet_labels(bytes: &[u8]) -> Result<Vec<String>, LabelsError> {
    let labels: Vec<String> =
        serde_json::from_slice(bytes).map_err(|e| LabelsError::Format(e.to_string()))?;
    if labels.len() != IMAGENET_CLASSES {
        return Err(LabelsError::Count(labels.len()));
    }
    Ok(labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_wrong_counts_and_garbage() {
        assert!(matches!(
            parse_imagenet_labels(b"[\"a\"]"),
            Err(LabelsError::Count(1))
        ));
        assert!(matches!(
            parse_imagenet_labels(b"{"),
            Err(LabelsError::Format(_))
        ));
        let ok = serde_json::to_vec(&vec!["x"; IMAGENET_CLASSES]).unwrap();
        assert_eq!(parse_imagenet_labels(&ok).unwrap().len(), IMAGENET_CLASSES);
    }
}
