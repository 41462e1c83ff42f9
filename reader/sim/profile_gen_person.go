package sim

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/cccd-agent/cccd/icao/lds"
	"github.com/cccd-agent/cccd/icao/mrz"
	"golang.org/x/text/unicode/norm"
)

// Name parts and places for synthetic citizens. Combinations are random;
// none describes a real person.
var (
	familyNames  = []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương"}
	middleMale   = []string{"Văn", "Đức", "Minh", "Quang", "Hữu", "Thành"}
	middleFemale = []string{"Thị", "Ngọc", "Thu", "Thanh", "Mỹ", "Diệu"}
	givenMale    = []string{"An", "Bảo", "Cường", "Dũng", "Hùng", "Khánh", "Long", "Nam", "Phúc", "Quân", "Sơn", "Tuấn"}
	givenFemale  = []string{"Anh", "Châu", "Hà", "Hạnh", "Hương", "Lan", "Linh", "Mai", "Nhung", "Phương", "Thảo", "Yến"}
	provinces    = []struct{ code, name string }{
		{"001", "Thành phố Hà Nội"}, {"079", "Thành phố Hồ Chí Minh"}, {"048", "Thành phố Đà Nẵng"},
		{"031", "Thành phố Hải Phòng"}, {"092", "Thành phố Cần Thơ"}, {"038", "Tỉnh Thanh Hóa"}, {"040", "Tỉnh Nghệ An"},
	}
	marks = []string{"Nốt ruồi C:1cm trên đuôi mắt trái", "Sẹo chấm C:2cm dưới cằm", "Nốt ruồi C:1,5cm dưới mép phải"}
)

// person is the citizen a generated profile describes.
type person struct {
	ID       string
	Name     string // NFC, family name first
	DOB      time.Time
	Male     bool
	Issued   time.Time
	Expiry   mrz.Expiry
	Personal lds.Personal
}

// newPerson fills a synthetic citizen from rng, honouring the overrides in
// opts: an ID fixes sex and birth year (its digits 4–6)
// unless a date of birth is also given.
func newPerson(opts ProfileOptions, rng *rand.Rand, now time.Time) (*person, error) {
	p := &person{ID: opts.ID, DOB: opts.DateOfBirth}
	if p.ID != "" && !mrz.ValidID(p.ID) {
		return nil, fmt.Errorf("sim: ID must be 12 digits")
	}
	switch {
	case p.ID != "":
		g := int(p.ID[3] - '0')
		p.Male = g%2 == 0
		if p.DOB.IsZero() {
			century := 1900 + 100*(g/2)
			year := century + int(p.ID[4]-'0')*10 + int(p.ID[5]-'0')
			p.DOB = time.Date(year, time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
		}
	default:
		p.Male = rng.IntN(2) == 0
		if p.DOB.IsZero() {
			p.DOB = time.Date(1955+rng.IntN(50), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
		}
		g := 2 * ((p.DOB.Year() - 1900) / 100)
		if !p.Male {
			g++
		}
		prov := provinces[rng.IntN(len(provinces))]
		p.ID = fmt.Sprintf("%s%d%02d%06d", prov.code, g, p.DOB.Year()%100, rng.IntN(1000000))
	}
	p.DOB = day(p.DOB)
	if !p.DOB.Before(now) {
		return nil, fmt.Errorf("sim: date of birth must be in the past")
	}
	p.Name = norm.NFC.String(strings.Join(strings.Fields(opts.FullName), " "))
	if p.Name == "" {
		p.Name = randomName(rng, p.Male)
	}
	if mrz.Transliterate(p.Name) == "" {
		return nil, fmt.Errorf("sim: the name has no letters")
	}
	p.Issued = day(opts.IssueDate)
	if p.Issued.IsZero() {
		p.Issued = issueDate(rng, p.DOB, now)
	}
	p.Expiry = mrz.ExpiryFor(p.DOB, p.Issued)
	p.Personal = personal(p, rng)
	return p, nil
}

// issueDate picks a date in the last three years on which the person could
// have received the card now held (chip cards exist since 2021; under-14s
// only under the 2023 law) and that leaves it unexpired today.
func issueDate(rng *rand.Rand, dob, now time.Time) time.Time {
	earliest := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	if at14 := dob.AddDate(14, 0, 0); at14.After(now) {
		earliest = time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)
	} else if at14.After(earliest) {
		earliest = at14
	}
	if from := day(now).AddDate(-3, 0, 0); from.After(earliest) {
		earliest = from
	}
	span := int(day(now).Sub(earliest).Hours()/24) - 1
	issued := earliest
	if span > 0 {
		issued = earliest.AddDate(0, 0, rng.IntN(span))
	}
	if e := mrz.ExpiryFor(dob, issued); !e.None && !e.Date.After(now) {
		issued = day(now).AddDate(0, 0, -30) // renewed recently
	}
	if issued.Before(dob) {
		issued = dob
	}
	return issued
}

func randomName(rng *rand.Rand, male bool) string {
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	if male {
		return pick(familyNames) + " " + pick(middleMale) + " " + pick(givenMale)
	}
	return pick(familyNames) + " " + pick(middleFemale) + " " + pick(givenFemale)
}

// personal is the DG13 content for p, every field filled as on a 2021 card.
func personal(p *person, rng *rand.Rand) lds.Personal {
	prov := provinces[0]
	for _, pr := range provinces {
		if pr.code == p.ID[:3] {
			prov = pr
		}
	}
	sex := "Nữ"
	if p.Male {
		sex = "Nam"
	}
	expiry := "Không thời hạn"
	if !p.Expiry.None {
		expiry = p.Expiry.Date.Format("2006-01-02")
	}
	out := lds.Personal{
		IDNumber:         p.ID,
		FullName:         p.Name,
		DateOfBirth:      p.DOB.Format("2006-01-02"),
		Sex:              sex,
		Nationality:      "Việt Nam",
		Ethnicity:        "Kinh",
		Religion:         "Không",
		PlaceOfOrigin:    fmt.Sprintf("Xã Tân Lập, Huyện Đông Hưng, %s", prov.name),
		PlaceOfResidence: fmt.Sprintf("Số %d, Đường Số %d, Phường %d, %s", 1+rng.IntN(200), 1+rng.IntN(30), 1+rng.IntN(15), prov.name),
		IdentifyingMarks: marks[rng.IntN(len(marks))],
		DateOfIssue:      p.Issued.Format("2006-01-02"),
		DateOfExpiry:     expiry,
		FatherName:       strings.Fields(p.Name)[0] + " " + middleMale[rng.IntN(len(middleMale))] + " " + givenMale[rng.IntN(len(givenMale))],
		MotherName:       randomName(rng, false),
		Other:            map[int]string{16: fmt.Sprintf("%016X", rng.Uint64())},
	}
	if p.DOB.Year() < 1995 {
		out.OldIDNumber = fmt.Sprintf("%09d", rng.IntN(1000000000))
	}
	return out
}

func day(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
