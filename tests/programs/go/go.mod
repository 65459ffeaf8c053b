module sysfence.test/gomarkers

go 1.19
