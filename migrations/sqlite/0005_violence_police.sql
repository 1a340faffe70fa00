-- Whether a threat was a threat of physical violence (R-RPT-3, §4): asked on the report form
-- only when threats are among the incident's kinds. 1 = a threat of physical violence (then
-- police_report_required is set: always reported to the police), 0 = another kind of threat,
-- NULL = no threat chosen, or reported before the form asked.
ALTER TABLE incidents ADD COLUMN threat_of_violence INTEGER CHECK (threat_of_violence IN (0,1));
