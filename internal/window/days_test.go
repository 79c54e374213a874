package window

import (
	"testing"
	"time"
)

func TestDayNumbersMatchTimePackage(t *testing.T) {
	for _, year := range []int{1, 1600, 1899, 1970, 2000, 2026, 2028, 2100, 2400, 9999} {
		for d := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == year; d = d.AddDate(0, 0, 1) {
			want := int(d.Unix() / 86400)
			if d.Unix() < 0 && d.Unix()%86400 != 0 {
				want--
			}
			if got := dayNumber(d.Year(), int(d.Month()), d.Day()); got != want {
				t.Fatalf("dayNumber(%s) = %d, want %d", d.Format(time.DateOnly), got, want)
			}
			if y, m, dd := civil(want); y != d.Year() || m != int(d.Month()) || dd != d.Day() {
				t.Fatalf("civil(%d) = %d-%d-%d, want %s", want, y, m, dd, d.Format(time.DateOnly))
			}
			if got := weekday(want); got != d.Weekday() {
				t.Fatalf("weekday(%s) = %v, want %v", d.Format(time.DateOnly), got, d.Weekday())
			}
			if got := daysIn(d.Year(), int(d.Month())); got != time.Date(d.Year(), d.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day() {
				t.Fatalf("daysIn(%d, %d) = %d", d.Year(), d.Month(), got)
			}
		}
	}
}
