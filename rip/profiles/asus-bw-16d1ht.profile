# ASUS BW-16D1HT: read offset +6 samples (AccurateRip's drive list), C2
# pointers, no overread.
vendor ASUS
product BW-16D1HT
revision 3.10
read-offset 6
c2 294
speeds 8x 16x 24x 40x 48x
