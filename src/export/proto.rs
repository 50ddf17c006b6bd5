//! The few ONNX protobuf messages an exported classifier needs, encoded by hand (onnx.proto,
//! onnx/onnx v1.14: field numbers cited at each message). Protobuf's wire format: a key
//! `field << 3 | wire type` as a varint, then a varint (type 0), 4 little-endian bytes
//! (type 5) or a varint length and the bytes (type 2). Repeated scalars are written one
//! key each (unpacked), which proto2 parsers such as ONNX's always read.

/// A message being written: its encoded fields, in order.
#[derive(Default)]
pub struct Message(Vec<u8>);

const VARINT: u64 = 0;
const LEN: u64 = 2;
const FIXED32: u64 = 5;

impl Message {
    fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }

    fn key(&mut self, field: u64, wire: u64) {
        self.varint(field << 3 | wire);
    }

    /// An int32, int64 or enum field (negative values as 10-byte two's complement).
    pub fn int(&mut self, field: u64, v: i64) -> &mut Self {
        self.key(field, VARINT);
        self.varint(v as u64);
        self
    }

    pub fn float(&mut self, field: u64, v: f32) -> &mut Self {
        self.key(field, FIXED32);
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }

    pub fn bytes(&mut self, field: u64, b: &[u8]) -> &mut Self {
        self.key(field, LEN);
        self.varint(b.len() as u64);
        self.0.extend_from_slice(b);
        self
    }

    pub fn string(&mut self, field: u64, s: &str) -> &mut Self {
        self.bytes(field, s.as_bytes())
    }

    pub fn message(&mut self, field: u64, m: &Message) -> &mut Self {
        self.bytes(field, &m.0)
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

/// TensorProto.DataType values used here.
pub const FLOAT: i64 = 1;
pub const INT64: i64 = 7;

/// TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9 (little-endian).
pub fn tensor(name: &str, dims: &[usize], data_type: i64, raw: &[u8]) -> Message {
    let mut m = Message::default();
    for &d in dims {
        m.int(1, d as i64);
    }
    m.int(2, data_type).string(8, name).bytes(9, raw);
    m
}

/// A float32 tensor.
pub fn float_tensor(name: &str, dims: &[usize], values: &[f32]) -> Message {
    let raw: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    tensor(name, dims, FLOAT, &raw)
}

/// An attribute of a node: AttributeProto name = 1, f = 2, i = 3, s = 4, ints = 8,
/// type = 20 (FLOAT 1, INT 2, STRING 3, INTS 7).
pub enum Attribute<'a> {
    Int(&'a str, i64),
    Ints(&'a str, Vec<i64>),
    Float(&'a str, f32),
}

impl Attribute<'_> {
    fn encode(&self) -> Message {
        let mut m = Message::default();
        match self {
            Attribute::Int(name, v) => m.string(1, name).int(3, *v).int(20, 2),
            Attribute::Float(name, v) => m.string(1, name).float(2, *v).int(20, 1),
            Attribute::Ints(name, vs) => {
                m.string(1, name);
                for &v in vs {
                    m.int(8, v);
                }
                m.int(20, 7)
            }
        };
        m
    }
}

/// NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5.
pub fn node(
    op: &str,
    name: &str,
    inputs: &[&str],
    outputs: &[&str],
    attrs: &[Attribute],
) -> Message {
    let mut m = Message::default();
    for i in inputs {
        m.string(1, i);
    }
    for o in outputs {
        m.string(2, o);
    }
    m.string(3, name).string(4, op);
    for a in attrs {
        m.message(5, &a.encode());
    }
    m
}

/// One dimension: a size, or a name for a size chosen at run time (the batch).
pub enum Dim<'a> {
    Fixed(usize),
    Named(&'a str),
}

/// ValueInfoProto (name = 1, type = 2) of a float32 tensor: TypeProto.tensor_type = 1,
/// Tensor.elem_type = 1, shape = 2; TensorShapeProto.dim = 1; dim_value = 1, dim_param = 2.
pub fn float_value(name: &str, dims: &[Dim]) -> Message {
    let mut shape = Message::default();
    for d in dims {
        let mut dim = Message::default();
        match d {
            Dim::Fixed(n) => dim.int(1, *n as i64),
            Dim::Named(s) => dim.string(2, s),
        };
        shape.message(1, &dim);
    }
    let mut tensor_type = Message::default();
    tensor_type.int(1, FLOAT).message(2, &shape);
    let mut ty = Message::default();
    ty.message(1, &tensor_type);
    let mut m = Message::default();
    m.string(1, name).message(2, &ty);
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The encodings of protobuf's documentation ("Encoding": 150 is 96 01 under field 1;
    /// "testing" under field 2 is 12 07 74 65 73 74 69 6e 67).
    #[test]
    fn encodes_as_protobufs_documentation_shows() {
        let mut m = Message::default();
        m.int(1, 150).string(2, "testing");
        assert_eq!(
            m.into_bytes(),
            [
                0x08, 0x96, 0x01, 0x12, 0x07, b't', b'e', b's', b't', b'i', b'n', b'g'
            ]
        );
        let mut m = Message::default();
        m.int(1, -1).float(2, 1.0);
        let mut want = vec![0x08];
        want.extend([0xff; 9]);
        want.push(0x01);
        want.extend([0x15, 0x00, 0x00, 0x80, 0x3f]);
        assert_eq!(m.into_bytes(), want);
    }
}
