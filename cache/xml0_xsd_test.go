package cache

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math/big"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// The XML0 export is checked against docs/xml0-cv1245.xsd. No XSD library is
// in the module and xmllint is not on every machine, so xsdSchema below
// validates the subset of XSD that schema uses (elements, sequences,
// occurrences, named and inline types, string and integer restrictions),
// and fails on any construct it does not know rather than ignore it.

type xsdSchema struct {
	Elements     []xsdElement     `xml:"element"`
	ComplexTypes []xsdComplexType `xml:"complexType"`
	SimpleTypes  []xsdSimpleType  `xml:"simpleType"`
	Other        []xsdAny         `xml:",any"`
}

type xsdAny struct{ XMLName xml.Name }

type xsdElement struct {
	Name        string          `xml:"name,attr"`
	Type        string          `xml:"type,attr"`
	MinOccurs   string          `xml:"minOccurs,attr"`
	MaxOccurs   string          `xml:"maxOccurs,attr"`
	ComplexType *xsdComplexType `xml:"complexType"`
	Other       []xsdAny        `xml:",any"`
}

type xsdComplexType struct {
	Name     string `xml:"name,attr"`
	Sequence *struct {
		Elements []xsdElement `xml:"element"`
		Other    []xsdAny     `xml:",any"`
	} `xml:"sequence"`
	Other []xsdAny `xml:",any"`
}

type xsdFacet struct {
	Value string `xml:"value,attr"`
}

type xsdSimpleType struct {
	Name        string `xml:"name,attr"`
	Restriction struct {
		Base         string     `xml:"base,attr"`
		Patterns     []xsdFacet `xml:"pattern"`
		Enumerations []xsdFacet `xml:"enumeration"`
		MinLength    *xsdFacet  `xml:"minLength"`
		MaxLength    *xsdFacet  `xml:"maxLength"`
		MinInclusive *xsdFacet  `xml:"minInclusive"`
		MaxInclusive *xsdFacet  `xml:"maxInclusive"`
		Other        []xsdAny   `xml:",any"`
	} `xml:"restriction"`
	Other []xsdAny `xml:",any"`
}

// node is a parsed instance element.
type node struct {
	name     string
	text     string
	children []*node
}

func parseInstance(b []byte) (*node, error) {
	dec := xml.NewDecoder(bytes.NewReader(b))
	var stack []*node
	var root *node
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(t.Attr) > 0 {
				return nil, fmt.Errorf("<%s> has attributes; the schema declares none", t.Name.Local)
			}
			n := &node{name: t.Name.Local}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else if root == nil {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(t)
			}
		}
	}
	if root == nil {
		return nil, fmt.Errorf("no root element")
	}
	return root, nil
}

type xsdValidator struct {
	complex map[string]*xsdComplexType
	simple  map[string]*xsdSimpleType
	root    map[string]*xsdElement
}

func loadXSD(t *testing.T, path string) *xsdValidator {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s xsdSchema
	if err := xml.Unmarshal(b, &s); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	v := &xsdValidator{complex: map[string]*xsdComplexType{}, simple: map[string]*xsdSimpleType{}, root: map[string]*xsdElement{}}
	unsupported := func(where string, o []xsdAny) {
		for _, x := range o {
			if x.XMLName.Local != "annotation" {
				t.Fatalf("%s: XSD construct <%s> is not supported by this validator", where, x.XMLName.Local)
			}
		}
	}
	unsupported("schema", s.Other)
	for i := range s.Elements {
		unsupported(s.Elements[i].Name, s.Elements[i].Other)
		v.root[s.Elements[i].Name] = &s.Elements[i]
	}
	for i := range s.ComplexTypes {
		unsupported(s.ComplexTypes[i].Name, s.ComplexTypes[i].Other)
		v.complex[s.ComplexTypes[i].Name] = &s.ComplexTypes[i]
	}
	for i := range s.SimpleTypes {
		st := &s.SimpleTypes[i]
		unsupported(st.Name, st.Other)
		unsupported(st.Name, st.Restriction.Other)
		v.simple[st.Name] = st
	}
	return v
}

func (v *xsdValidator) validate(doc []byte) error {
	root, err := parseInstance(doc)
	if err != nil {
		return err
	}
	el, ok := v.root[root.name]
	if !ok {
		return fmt.Errorf("root <%s> is not declared", root.name)
	}
	return v.element(el, root, root.name)
}

func (v *xsdValidator) element(el *xsdElement, n *node, path string) error {
	ct := el.ComplexType
	if ct == nil {
		ct = v.complex[el.Type]
	}
	if ct != nil {
		if strings.TrimSpace(n.text) != "" {
			return fmt.Errorf("%s: text in an element-only element", path)
		}
		return v.sequence(ct, n, path)
	}
	if len(n.children) > 0 {
		return fmt.Errorf("%s: child elements in a simple element", path)
	}
	return v.simpleValue(el.Type, n.text, path)
}

func (v *xsdValidator) sequence(ct *xsdComplexType, n *node, path string) error {
	if ct.Sequence == nil {
		return fmt.Errorf("%s: complex type without a sequence is not supported", path)
	}
	if len(ct.Sequence.Other) > 0 {
		return fmt.Errorf("%s: <%s> in a sequence is not supported", path, ct.Sequence.Other[0].XMLName.Local)
	}
	i := 0
	for k := range ct.Sequence.Elements {
		decl := &ct.Sequence.Elements[k]
		minOcc, maxOcc := 1, 1
		if decl.MinOccurs != "" {
			fmt.Sscan(decl.MinOccurs, &minOcc)
		}
		switch decl.MaxOccurs {
		case "":
		case "unbounded":
			maxOcc = 1 << 30
		default:
			fmt.Sscan(decl.MaxOccurs, &maxOcc)
		}
		count := 0
		for i < len(n.children) && n.children[i].name == decl.Name && count < maxOcc {
			if err := v.element(decl, n.children[i], path+"/"+decl.Name); err != nil {
				return err
			}
			i++
			count++
		}
		if count < minOcc {
			return fmt.Errorf("%s: <%s> missing or out of order (%d of at least %d)", path, decl.Name, count, minOcc)
		}
	}
	if i < len(n.children) {
		return fmt.Errorf("%s: unexpected <%s>", path, n.children[i].name)
	}
	return nil
}

func (v *xsdValidator) simpleValue(typ, s, path string) error {
	switch typ {
	case "xs:string":
		return nil
	case "xs:integer":
		if _, ok := new(big.Int).SetString(strings.TrimSpace(s), 10); !ok {
			return fmt.Errorf("%s: %q is not an integer", path, s)
		}
		return nil
	}
	st, ok := v.simple[typ]
	if !ok {
		return fmt.Errorf("%s: unknown type %q", path, typ)
	}
	r := st.Restriction
	if err := v.simpleValue(r.Base, s, path); err != nil {
		return err
	}
	if r.Base == "xs:integer" {
		s = strings.TrimSpace(s)
	}
	n := utf8.RuneCountInString(s)
	var lim int
	if r.MinLength != nil {
		fmt.Sscan(r.MinLength.Value, &lim)
		if n < lim {
			return fmt.Errorf("%s: shorter than %d", path, lim)
		}
	}
	if r.MaxLength != nil {
		fmt.Sscan(r.MaxLength.Value, &lim)
		if n > lim {
			return fmt.Errorf("%s: longer than %d", path, lim)
		}
	}
	for _, p := range r.Patterns {
		if !regexp.MustCompile(`^(?:` + p.Value + `)$`).MatchString(s) {
			return fmt.Errorf("%s: %q does not match the pattern of %s", path, s, typ)
		}
	}
	if len(r.Enumerations) > 0 {
		found := false
		for _, e := range r.Enumerations {
			found = found || e.Value == s
		}
		if !found {
			return fmt.Errorf("%s: %q is not one of the listed values of %s", path, s, typ)
		}
	}
	cmp := func(f *xsdFacet, sign int) error {
		if f == nil {
			return nil
		}
		a, _ := new(big.Int).SetString(s, 10)
		b, ok := new(big.Int).SetString(f.Value, 10)
		if a == nil || !ok || a.Cmp(b)*sign > 0 {
			return fmt.Errorf("%s: %q outside %s", path, s, typ)
		}
		return nil
	}
	if err := cmp(r.MinInclusive, -1); err != nil {
		return err
	}
	return cmp(r.MaxInclusive, 1)
}

// TestXML0ValidatesAgainstXSD: each check-in's XML0 file, with and without
// the HIS's episode, with partial birth dates and characters to escape,
// validates against docs/xml0-cv1245.xsd (QĐ 4750 bảng check-in, fields
// 1–26: dh-hos/Mo-ta-he-thong XML130/QD4570/Table xml130.bang00checkin; CV
// 1245/BHXH-CNTT XML130/QD4570/1245-BHXH-CNTT_...4750_QĐ_BYT_fn.pdf).
func TestXML0ValidatesAgainstXSD(t *testing.T) {
	v := loadXSD(t, "../docs/xml0-cv1245.xsd")
	cs := exportSample()
	c3 := sampleCheckin(3)
	c3.Seq, c3.Time, c3.NgaySinh, c3.GioiTinh = 3, time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC), "1950-02", ""
	cs = append(cs, c3)
	for _, c := range cs {
		var buf bytes.Buffer
		if err := WriteCheckinXML0(&buf, c); err != nil {
			t.Fatal(err)
		}
		if err := v.validate(buf.Bytes()); err != nil {
			t.Errorf("check-in %d: %v\n%s", c.Seq, err, buf.String())
		}
		var doc xml0Doc
		if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil || len(doc.List) != 1 || doc.List[0].STT != 1 {
			t.Fatalf("check-in %d: one row with STT 1 expected: %+v, %v", c.Seq, doc, err)
		}
		row := doc.List[0]
		if c.Episode == nil && (row.MaLK != "" || row.MaBN != "") {
			t.Errorf("check-in %d without an episode has MA_LK %q", c.Seq, row.MaLK)
		}
		if c.Episode != nil && (row.MaLK != c.Episode.MaLK || row.MaLoaiKCB != "01" || row.MaDoiTuongKCB != "1.1") {
			t.Errorf("check-in %d: episode not written: %+v", c.Seq, row)
		}
		if c.Seq == 3 && row.NgaySinh != "195002000000" {
			t.Errorf("partial birth date written as %q, want 195002000000", row.NgaySinh)
		}
	}
	// The validator refuses what the schema forbids.
	var good bytes.Buffer
	WriteCheckinXML0(&good, cs[0])
	for name, bad := range map[string]string{
		"NGAY_SINH with 8 digits": strings.Replace(good.String(), "199002150000", "19900215", 1),
		"GIOI_TINH 4":             strings.Replace(good.String(), "<GIOI_TINH>1</GIOI_TINH>", "<GIOI_TINH>4</GIOI_TINH>", 1),
		"fields out of order":     strings.Replace(good.String(), "<STT>1</STT>", "", 1) + "",
		"STT 0":                   strings.Replace(good.String(), "<STT>1</STT>", "<STT>0</STT>", 1),
		"MA_LK over 100":          strings.Replace(good.String(), "79011_2026_11_BN001_KB01", strings.Repeat("x", 101), 1),
		"extra element":           strings.Replace(good.String(), "<DU_PHONG></DU_PHONG>", "<DU_PHONG></DU_PHONG><X></X>", 1),
		"wrapper missing":         strings.Replace(strings.Replace(good.String(), "<DSACH_TRANG_THAI_KCB>", "", 1), "</DSACH_TRANG_THAI_KCB>", "", 1),
	} {
		if err := v.validate([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
