module example.com/gomono

go 1.19
