package sim

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
)

// Face image size: the 3:4 portrait ratio of ICAO photos, small enough that
// DG2 stays in the 15–20 KB range of real cards.
const (
	faceW       = 300
	faceH       = 400
	faceMaxJPEG = 20 * 1024
)

// drawFace renders a simple synthetic portrait (background, shoulders,
// neck, head, hair, eyes, brows, nose, mouth) with colours and a light
// sensor-like noise drawn from rng, and encodes it as a baseline JPEG of at
// most 20 KB. The same rng state gives the same bytes.
func drawFace(rng *rand.Rand) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, faceW, faceH))
	skin := color.RGBA{uint8(205 + rng.IntN(30)), uint8(165 + rng.IntN(25)), uint8(130 + rng.IntN(25)), 255}
	hair := color.RGBA{uint8(20 + rng.IntN(30)), uint8(15 + rng.IntN(20)), uint8(10 + rng.IntN(15)), 255}
	shirt := color.RGBA{uint8(rng.IntN(60)), uint8(40 + rng.IntN(80)), uint8(90 + rng.IntN(120)), 255}
	cx, cy := faceW/2, 175
	noise := make([]int8, faceW*faceH)
	for i := range noise {
		noise[i] = int8(rng.IntN(15) - 7)
	}
	inEllipse := func(x, y, ex, ey, rx, ry int) bool {
		dx, dy := float64(x-ex)/float64(rx), float64(y-ey)/float64(ry)
		return dx*dx+dy*dy <= 1
	}
	for y := 0; y < faceH; y++ {
		for x := 0; x < faceW; x++ {
			// Background: a pale blue-grey vertical gradient, as ID photos use.
			c := color.RGBA{uint8(200 + y/20), uint8(215 + y/25), uint8(235 - y/30), 255}
			switch {
			case inEllipse(x, y, cx, 430, 150, 110): // shoulders
				c = shirt
			case x > cx-32 && x < cx+32 && y > 240 && y < 330: // neck
				c = shade(skin, -20)
			case inEllipse(x, y, cx, cy-40, 92, 75) && y < cy-20: // hair above the forehead
				c = hair
			case inEllipse(x, y, cx, cy, 80, 105): // head
				c = skin
				if inEllipse(x, y, cx-5, cy+30, 75, 90) {
					c = shade(skin, -8) // soft cheek shadow
				}
			case inEllipse(x, y, cx-82, cy+5, 10, 22) || inEllipse(x, y, cx+82, cy+5, 10, 22): // ears
				c = shade(skin, -15)
			}
			for _, ex := range []int{cx - 32, cx + 32} {
				switch {
				case inEllipse(x, y, ex, cy-5, 6, 6): // pupils
					c = color.RGBA{30, 20, 15, 255}
				case inEllipse(x, y, ex, cy-5, 16, 8): // eye whites
					c = color.RGBA{240, 240, 235, 255}
				case inEllipse(x, y, ex, cy-25, 20, 4): // brows
					c = hair
				}
			}
			if x > cx-4 && x < cx+4 && y > cy && y < cy+35 {
				c = shade(skin, -25) // nose ridge
			}
			if inEllipse(x, y, cx, cy+58, 26, 7) {
				c = color.RGBA{170, 80, 80, 255} // mouth
			}
			n := int(noise[y*faceW+x])
			img.SetRGBA(x, y, shade(c, n))
		}
	}
	for q := 92; q >= 40; q -= 4 {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
			return nil, fmt.Errorf("sim: encode face: %w", err)
		}
		if buf.Len() <= faceMaxJPEG {
			return buf.Bytes(), nil
		}
	}
	return nil, fmt.Errorf("sim: face JPEG does not fit in %d bytes", faceMaxJPEG)
}

// shade adds d to each colour channel, clamped.
func shade(c color.RGBA, d int) color.RGBA {
	clamp := func(v int) uint8 { return uint8(min(max(v, 0), 255)) }
	return color.RGBA{clamp(int(c.R) + d), clamp(int(c.G) + d), clamp(int(c.B) + d), 255}
}
