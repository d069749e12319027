# Pioneer BDR-XD05: read offset +667 samples (AccurateRip's drive list),
# C2 pointers, data sectors readable as CD-DA.
vendor PIONEER
product BD-RW   BDR-XD05
revision 1.10
read-offset 667
c2 294
cdda-data yes
speeds 4x 10x 16x 24x
