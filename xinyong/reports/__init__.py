"""Credit reports (公共信用信息报告) and special reports in place of no-violation certificates
(信用报告代替无违法违规证明): content from the record views, PDF, signature, register."""
