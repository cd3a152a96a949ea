"""The inspection pages: the list and one visit's page (visits), recording and correcting results
(results), the staff calendar and the inspectors' feeds (calendar), and the vendors' checklists
(checklists)."""
