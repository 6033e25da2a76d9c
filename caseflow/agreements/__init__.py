"""The register of information sharing agreements: which organisations agreed to share what,
for which purposes, from when until when. Lawful bases and notification routing rules cite the
agreement they rely on, and stop counting the day it ends."""
