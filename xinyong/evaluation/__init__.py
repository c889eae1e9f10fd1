"""Credit evaluation (公共信用综合评价) and graded supervision: models as dated data
(``models/*.yaml``, validated by ``registry``), graded in one vectorised pass (``query`` reads,
``engine`` scores), stored with their history (``store``), re-graded after every change that
can move a grade (``regrade``), read by the API and the credit check (``views``)."""
