# Plextor PX-760A: read offset +30 samples (AccurateRip's drive list), C2
# pointers with the block error byte, reads into the lead-out.
vendor PLEXTOR
product DVDR   PX-760A
revision 1.07
read-offset 30
overread-leadout 100
c2 296
accurate-stream yes
speeds 4x 8x 16x 24x 32x 40x 48x
