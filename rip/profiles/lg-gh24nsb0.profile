# LG (HL-DT-ST) GH24NSB0: read offset +6 samples (AccurateRip's drive
# list), C2 pointers, a read cache that a ripper must defeat.
vendor HL-DT-ST
product DVDRAM GH24NSB0
revision LN00
read-offset 6
c2 294
cache 1024
speeds 8x 16x 24x 48x
